import Foundation

/// Errors of the engine itself, as opposed to a job's.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A run the engine just wrote is not in the store: the store did not keep it, or someone
    /// deleted it meanwhile.
    case runMissing(UUID)

    public var description: String {
        switch self {
        case .runMissing(let id): return "run \(id.lowercasedText) is missing from the store"
        }
    }
}
