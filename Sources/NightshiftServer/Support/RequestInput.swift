import Foundation
import HTTPTypes
import Hummingbird
import Nightshift
import NIOCore

/// The inputs of a request, from its query string and its JSON body alike, checked against the
/// names an endpoint accepts: an unknown name is a 400 that names it, never silently ignored.
struct RequestInput {
    private var values: [String: JSONValue] = [:]

    /// Reads the query and, when present, the body (a JSON object of at most `maxBodySize`
    /// bytes; larger: 413; not JSON: 415; malformed: 400).
    static func read(_ request: Request, allowed: Set<String>, maxBodySize: Int) async throws(APIError) -> RequestInput {
        var input = RequestInput()
        for (key, value) in request.uri.queryParameters {
            try input.set(String(key), .string(String(value)), allowed: allowed)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodySize)
        } catch {
            throw APIError(.contentTooLarge, "the body is larger than \(maxBodySize) bytes", field: "body")
        }
        guard body.readableBytes > 0 else { return input }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, "send the body as application/json", field: "body")
        }
        let text = String(buffer: body)
        guard case .object(let object) = try? JSONValue(parsing: text) else {
            throw APIError.badRequest("the body must be a JSON object", field: "body")
        }
        for (key, value) in object.entries {
            try input.set(key, value, allowed: allowed)
        }
        return input
    }

    /// The fields of `object` (one run of a list), checked against `allowed`.
    init(object: JSONObject, allowed: Set<String>) throws(APIError) {
        for (key, value) in object.entries { try set(key, value, allowed: allowed) }
    }

    private init() {}

    private mutating func set(_ key: String, _ value: JSONValue, allowed: Set<String>) throws(APIError) {
        guard allowed.contains(key) else {
            throw APIError.badRequest(
                "unknown parameter '\(key)'; this endpoint takes \(allowed.sorted().joined(separator: ", "))", field: key)
        }
        guard values[key] == nil else { throw APIError.badRequest("'\(key)' is given twice", field: key) }
        values[key] = value
    }

    /// `true`/`false` as JSON or as query text.
    func bool(_ key: String) throws(APIError) -> Bool? {
        switch values[key] {
        case nil: return nil
        case .bool(let value): return value
        case .string("true"), .string("1"): return true
        case .string("false"), .string("0"): return false
        default: throw APIError.badRequest("'\(key)' must be true or false", field: key)
        }
    }

    /// Text, from JSON or the query.
    func string(_ key: String) throws(APIError) -> String? {
        switch values[key] {
        case nil: return nil
        case .string(let value):
            // The store cannot keep or compare NUL; refuse it here rather than fail in the driver.
            guard !value.utf8.contains(0) else {
                throw APIError.badRequest("'\(key)' must not contain NUL characters", field: key)
            }
            return value
        default: throw APIError.badRequest("'\(key)' must be a string", field: key)
        }
    }

    /// Text given under one of two names (a name and its alias), not both.
    func string(either name: String, or alias: String) throws(APIError) -> String? {
        let first = try string(name)
        let second = try string(alias)
        guard first == nil || second == nil else {
            throw APIError.badRequest("give '\(name)' or '\(alias)', not both", field: alias)
        }
        return first ?? second
    }

    /// A whole number in `range`.
    func int(_ key: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        let number: Double?
        switch values[key] {
        case nil: return nil
        case .number(let value): number = value
        case .string(let text): number = Double(text)
        default: number = nil
        }
        // Compared as a Double first: converting a huge number to Int would trap.
        guard let number, number == number.rounded(), number >= Double(range.lowerBound), number <= Double(range.upperBound)
        else {
            throw APIError.badRequest(
                "'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: key)
        }
        return Int(number)
    }

    /// A JSON object, from the body or as JSON text in the query.
    func object(_ key: String) throws(APIError) -> JSONObject? {
        switch values[key] {
        case nil: return nil
        case .object(let object): return object
        case .string(let text):
            if case .object(let object) = try? JSONValue(parsing: text) { return object }
            fallthrough
        default: throw APIError.badRequest("'\(key)' must be a JSON object", field: key)
        }
    }
}
