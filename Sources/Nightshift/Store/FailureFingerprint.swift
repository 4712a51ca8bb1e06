import Foundation

/// An error message with what changes from run to run (numbers, ids, times) replaced by `#`, so
/// that runs failing the same way group together: "timed out after 31s on shard 4" and
/// "timed out after 7s on shard 12" are both "timed out after #s on shard #".
public enum FailureFingerprint {
    /// The longest fingerprint, in characters: the first line of an error says what went wrong.
    public static let maximumLength = 300

    /// The fingerprint of `error`: its first line, ids and numbers as `#`, at most
    /// ``maximumLength`` characters.
    public static func of(_ error: String) -> String {
        let firstLine = error.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        let hex = firstLine.replacing(/[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}/, with: "#")
        return String(hex.replacing(/\d+(\.\d+)?/, with: "#").prefix(maximumLength))
    }
}
