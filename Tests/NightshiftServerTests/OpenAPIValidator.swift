import Foundation
import Nightshift
import NightshiftServer

/// Checks JSON answers against the schemas of the OpenAPI document: the subset of JSON Schema
/// the document uses ($ref, type, properties, required, additionalProperties, items, enum,
/// minimum, maximum).
struct OpenAPIValidator {
    let document: JSONObject

    init() throws {
        guard case .object(let document) = try JSONValue(parsing: OpenAPIDocument.text) else {
            throw ValidationFailure(message: "the OpenAPI document is not an object")
        }
        self.document = document
    }

    /// The documented (method, path) pairs.
    var operations: Set<String> {
        guard case .object(let paths) = document["paths"] else { return [] }
        var result: Set<String> = []
        for (path, item) in paths.entries {
            guard case .object(let methods) = item else { continue }
            for (method, _) in methods.entries { result.insert("\(method.uppercased()) \(path)") }
        }
        return result
    }

    /// The operation's own `security` list, as JSON text (nil when it has none), and its
    /// documented statuses.
    func operation(method: String, path: String) -> (security: String?, statuses: Set<String>)? {
        guard case .object(let paths) = document["paths"], case .object(let item)? = paths[path],
            case .object(let operation)? = item[method.lowercased()]
        else { return nil }
        var statuses: Set<String> = []
        if case .object(let responses)? = operation["responses"] { statuses = Set(responses.entries.map(\.0)) }
        return (operation["security"].map { JSONValue.array([$0]).jsonText }, statuses)
    }

    /// Throws unless `status` is documented for the operation and `body` matches its schema.
    func validate(method: String, path: String, status: Int, body: String) throws {
        guard case .object(let paths) = document["paths"], case .object(let item) = paths[path],
            case .object(let operation) = item[method.lowercased()], case .object(let responses) = operation["responses"]
        else { throw ValidationFailure(message: "\(method) \(path) is not documented") }
        guard case .object(let response) = responses["\(status)"] else {
            throw ValidationFailure(message: "\(method) \(path) answered \(status), which is not documented")
        }
        let place = "\(method) \(path) \(status)"
        if case .object(let content) = response["content"] {
            if case .object(let json) = content["application/json"] {
                guard let schema = json["schema"] else {
                    throw ValidationFailure(message: "\(place) documents JSON without a schema")
                }
                try check(try JSONValue(parsing: body), against: schema, at: place)
            } else if content.isEmpty {
                throw ValidationFailure(message: "\(place) documents a body of no media type")
            }
            // Other media types (the Prometheus text of /metrics) are not checked against a schema.
        } else if !body.isEmpty {
            throw ValidationFailure(message: "\(place) documents no body but answered one")
        }
    }

    private func resolve(_ schema: JSONValue) throws -> JSONObject {
        guard case .object(let object) = schema else { throw ValidationFailure(message: "schema is not an object") }
        guard case .string(let reference) = object["$ref"] else { return object }
        let name = reference.replacingOccurrences(of: "#/components/schemas/", with: "")
        guard case .object(let components) = document["components"], case .object(let schemas) = components["schemas"],
            let target = schemas[name]
        else { throw ValidationFailure(message: "unknown $ref \(reference)") }
        return try resolve(target)
    }

    private func check(_ value: JSONValue, against schemaValue: JSONValue, at place: String) throws {
        let schema = try resolve(schemaValue)
        if let type = schema["type"] {
            let allowed: [String]
            switch type {
            case .string(let name): allowed = [name]
            case .array(let names): allowed = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
            default: allowed = []
            }
            guard allowed.contains(where: { Self.matches(value, type: $0) }) else {
                throw ValidationFailure(message: "\(place): \(value.jsonText) is not \(allowed.joined(separator: " or "))")
            }
        }
        if case .array(let options) = schema["enum"], !options.contains(value) {
            throw ValidationFailure(message: "\(place): \(value.jsonText) is not one of \(JSONValue.array(options).jsonText)")
        }
        if case .number(let number) = value {
            if case .number(let minimum) = schema["minimum"], number < minimum {
                throw ValidationFailure(message: "\(place): \(number) < \(minimum)")
            }
            if case .number(let maximum) = schema["maximum"], number > maximum {
                throw ValidationFailure(message: "\(place): \(number) > \(maximum)")
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() { try check(item, against: itemSchema, at: "\(place)[\(index)]") }
        }
        if case .object(let object) = value { try check(object, against: schema, at: place) }
    }

    /// The members of `object` against the properties, required names and additional properties of `schema`.
    private func check(_ object: JSONObject, against schema: JSONObject, at place: String) throws {
        let value = JSONValue.object(object)
        let properties: JSONObject
        if case .object(let declared) = schema["properties"] { properties = declared } else { properties = [:] }
        if case .array(let required) = schema["required"] {
            for case .string(let name) in required where object[name] == nil {
                throw ValidationFailure(message: "\(place): missing required '\(name)' in \(value.jsonText)")
            }
        }
        for (key, member) in object.entries {
            if let propertySchema = properties[key] {
                try check(member, against: propertySchema, at: "\(place).\(key)")
            } else if schema["additionalProperties"] == .bool(false) {
                throw ValidationFailure(message: "\(place): undocumented property '\(key)'")
            } else if case .object(let additional) = schema["additionalProperties"] {
                try check(member, against: .object(additional), at: "\(place).\(key)")
            }
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("number", .number): return true
        case ("integer", .number(let number)): return number == number.rounded()
        default: return false
        }
    }
}

struct ValidationFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
