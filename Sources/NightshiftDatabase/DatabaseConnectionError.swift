/// A connection that cannot be set up from its URL's options, before any server is asked.
public enum DatabaseConnectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A certificate or key file (the URL parameter, the path) that cannot be read as PEM.
    case unreadableFile(String, String)

    public var description: String {
        switch self {
        case .unreadableFile(let parameter, let path): return "\(parameter)=\(path) cannot be read as a PEM file"
        }
    }
}
