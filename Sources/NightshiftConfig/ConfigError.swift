import Nightshift

/// A config file that cannot be used, with the place to fix: file, line and key.
///
/// Reads like `nightshift.yml:12: jobs.cleanup.schedule: minute field: 61 is out of range 0-59`.
public struct ConfigError: BadInput, Equatable, Sendable {
    /// The file's path as given.
    public let file: String
    /// The 1-based line, when known.
    public let line: Int?
    /// The dotted path of the key, such as `jobs.cleanup.schedule`; empty for the whole file.
    public let key: String
    /// What is wrong.
    public let reason: String
    /// Further errors found in the same reading of the file, in file order: a config is read
    /// whole, so that one pass names everything to fix.
    public internal(set) var more: [ConfigError] = []
    /// Whether the value at fault reads an environment variable that was unset when the config
    /// was read without its environment: the value itself could not be checked.
    public internal(set) var readsUnsetVariable = false

    /// Creates an error at `key` on `line` of `file`.
    public init(file: String, line: Int?, key: String, reason: String) {
        self.file = file
        self.line = line
        self.key = key
        self.reason = reason
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let first = key.isEmpty ? "\(place): \(reason)" : "\(place): \(key): \(reason)"
        return ([first] + more.map(\.description)).joined(separator: "\n")
    }

    /// This error and the further ones, each alone.
    public var all: [ConfigError] {
        var first = self
        first.more = []
        return [first] + more.flatMap(\.all)
    }

    /// `errors` as one error (the first, with the others as ``more``); nil when there are none.
    static func combining(_ errors: [ConfigError]) -> ConfigError? {
        let flat = errors.flatMap(\.all)
        guard var first = flat.first else { return nil }
        first.more = Array(flat.dropFirst())
        return first
    }
}
