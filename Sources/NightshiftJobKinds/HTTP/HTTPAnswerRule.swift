import Nightshift

/// What an `http` job's answer must say, beyond its status, for the attempt to succeed.
///
/// Many apps' job endpoints answer `200 {"success": false, "error": "…"}` when the work failed;
/// taken by its status alone, such a run would be recorded as succeeded. So by default
/// (``conventional``) a JSON object answer whose top-level `success` or `ok` is `false` fails
/// the attempt, with its `error` or `message` as the error, and the job's retry policy decides
/// what next. ``field(_:equals:)`` names another field and the value it must hold; ``off``
/// goes by the status alone.
public enum HTTPAnswerRule: Sendable, Equatable {
    /// A top-level `success` or `ok` that is `false` fails the attempt.
    case conventional
    /// The value at this JSON pointer (RFC 6901, such as `/data/state`) must equal this value.
    case field(JSONPointer, equals: JSONValue)
    /// The status alone decides.
    case off

    /// Why `answer` (the parsed body, nil when it is not JSON) does not succeed by this rule;
    /// nil when it does.
    public func failure(in answer: JSONValue?) -> String? {
        switch self {
        case .off:
            return nil
        case .conventional:
            guard case .object(let object) = answer else { return nil }
            for key in ["success", "ok"] where object[key] == .bool(false) {
                return Self.reason(in: object) ?? "the answer says \"\(key)\": false"
            }
            return nil
        case .field(let pointer, let expected):
            let found = answer.flatMap { pointer.value(in: $0) }
            if found == expected { return nil }
            if case .object(let object) = answer, let reason = Self.reason(in: object) { return reason }
            let shown = found.map { $0.jsonText } ?? "nothing"
            return "the answer holds \(shown) at \(pointer), not \(expected.jsonText)"
        }
    }

    /// The answer's own words for what went wrong: its `error` or `message` (as text, or an
    /// object's `message`).
    private static func reason(in object: JSONObject) -> String? {
        for key in ["error", "message"] {
            switch object[key] {
            case .string(let text) where !text.isEmpty: return String(text.prefix(1024))
            case .object(let inner):
                if case .string(let text) = inner["message"], !text.isEmpty { return String(text.prefix(1024)) }
            default: continue
            }
        }
        return nil
    }
}
