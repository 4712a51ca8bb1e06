import Foundation
import Nightshift

/// The JSON body of an `http` job, with placeholders filled in for each run: `{{dryRun}}`,
/// `{{window.from}}`, `{{window.to}}`, `{{run.id}}`, `{{run.attempt}}`, `{{job}}` and
/// `{{params.NAME}}`. A string that is one placeholder alone takes its value's JSON type
/// (`"{{dryRun}}"` becomes `true`, a missing window `null`); inside other text it is written
/// as text. Only these names exist: anything else in `{{…}}` is refused when the config is read.
public struct HTTPBodyTemplate: Sendable, Equatable {
    /// The body as written.
    public let value: JSONValue

    /// A template of `value`; throws naming the first unknown placeholder.
    public init(_ value: JSONValue) throws(HTTPBodyTemplateError) {
        try Self.check(value)
        self.value = value
    }

    /// The body for the run `context` describes.
    public func render(for context: JobContext) -> JSONValue {
        Self.render(value, context)
    }

    /// Whether the body names `{{window.from}}` or `{{window.to}}`.
    public var readsWindow: Bool { Self.readsWindow(value) }

    private static func readsWindow(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): placeholders(in: text).contains { $0.hasPrefix("window.") }
        case .array(let items): items.contains(where: readsWindow)
        case .object(let object): object.entries.contains { readsWindow($0.1) }
        default: false
        }
    }

    private static func check(_ value: JSONValue) throws(HTTPBodyTemplateError) {
        switch value {
        case .string(let text):
            for name in placeholders(in: text) where !isKnown(name) { throw HTTPBodyTemplateError(placeholder: name) }
        case .array(let items): for item in items { try check(item) }
        case .object(let object): for (_, item) in object.entries { try check(item) }
        default: break
        }
    }

    private static func isKnown(_ name: String) -> Bool {
        ["dryRun", "window.from", "window.to", "run.id", "run.attempt", "job"].contains(name)
            || (name.hasPrefix("params.") && name.count > "params.".count)
    }

    /// The names between `{{` and `}}` in `text`, trimmed.
    private static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }

    private static func render(_ value: JSONValue, _ context: JobContext) -> JSONValue {
        switch value {
        case .string(let text):
            let names = placeholders(in: text)
            if names.count == 1, text.trimmingCharacters(in: .whitespaces).hasPrefix("{{"),
                text.trimmingCharacters(in: .whitespaces).hasSuffix("}}")
            {
                return typed(names[0], context)
            }
            var output = text
            for name in Set(names) {
                let filled = typed(name, context)
                let text = filled == .null ? "" : (filled.plainText)
                for form in ["{{\(name)}}", "{{ \(name) }}"] { output = output.replacingOccurrences(of: form, with: text) }
            }
            return .string(output)
        case .array(let items): return .array(items.map { render($0, context) })
        case .object(let object):
            var rendered = JSONObject()
            for (key, item) in object.entries { rendered[key] = render(item, context) }
            return .object(rendered)
        default: return value
        }
    }

    private static func typed(_ name: String, _ context: JobContext) -> JSONValue {
        switch name {
        case "dryRun": return .bool(context.isDryRun)
        case "window.from": return context.window.map { .string(ISO8601Format.string(from: $0.from)) } ?? .null
        case "window.to": return context.window.map { .string(ISO8601Format.string(from: $0.to)) } ?? .null
        case "run.id": return .string(context.runID.lowercasedText)
        case "run.attempt": return .number(Double(context.attempt))
        case "job": return .string(context.jobName)
        default: return context.params[String(name.dropFirst("params.".count))] ?? .null
        }
    }
}

/// A placeholder an `http` job's body may not use.
public struct HTTPBodyTemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name written between `{{` and `}}`.
    public let placeholder: String

    public var description: String {
        "unknown placeholder {{\(placeholder)}}; use dryRun, window.from, window.to, run.id, run.attempt, job or params.NAME"
    }
}
