import Foundation

/// Finds a run by what a person types: its whole id, or the start of it as the dashboard and
/// `nightshift runs` show it (`01a2518c-06ce`, at least 8 characters).
public enum RunLookup {
    /// The shortest start of an id that is looked up.
    public static let shortestPrefix = 8

    /// The run whose id is `text` or starts with it; throws ``Failure`` when `text` is no id or
    /// start of one, when no run has it, or when several do (naming how many more to type).
    public static func run(_ text: String, in store: any HistoryStore) async throws -> Run {
        let typed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let id = UUID(uuidString: typed) {
            guard let run = try await store.run(id: id) else { throw Failure.notFound(typed) }
            return run
        }
        guard let prefix = idPrefix(typed) else { throw Failure.notAnID(text) }
        var query = RunQuery(limit: 2)
        query.idPrefix = prefix
        let found = try await store.runs(query)
        guard let first = found.first else { throw Failure.notFound(typed) }
        guard found.count == 1 else { throw Failure.ambiguous(typed) }
        return first
    }

    /// `text` when it can be the start of a run id: at least ``shortestPrefix`` characters of
    /// hex digits and the id's dashes; nil otherwise.
    public static func idPrefix(_ text: String) -> String? {
        let typed = text.lowercased()
        guard typed.count >= shortestPrefix, typed.count <= 36,
            typed.allSatisfy({ $0 == "-" || $0.isHexDigit })
        else { return nil }
        return typed
    }

    /// Why no single run was found.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The text is neither an id nor the start of one.
        case notAnID(String)
        /// No run has this id or start.
        case notFound(String)
        /// Several runs start so.
        case ambiguous(String)

        public var description: String {
            switch self {
            case .notAnID(let text):
                return "'\(text)' is not a run id: give the whole id or its first \(RunLookup.shortestPrefix) or more characters"
            case .notFound(let text): return "no run \(text)"
            case .ambiguous(let text): return "several runs start with \(text): give more of the id"
            }
        }
    }
}
