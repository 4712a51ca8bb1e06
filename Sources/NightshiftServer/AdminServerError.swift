#if canImport(Glibc)
    import Glibc
#endif

/// Why the admin API cannot listen, said so that the person starting it knows what to change.
public enum AdminServerError: Error, Equatable, CustomStringConvertible {
    /// Another program listens on the port already.
    case portInUse(host: String, port: Int)
    /// Listening failed for another reason (an address not of this machine, a privileged port).
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .portInUse(let host, let port):
            return
                "port \(port) on \(host) is already in use (another nightshift serve?): stop that program, or choose another port with --port or server.port in the config"
        case .cannotListen(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason)"
        }
    }

    /// The error for a failed bind with `errno` `code`.
    static func binding(host: String, port: Int, errno code: Int32) -> Self {
        switch code {
        case EADDRINUSE: return .portInUse(host: host, port: port)
        case EADDRNOTAVAIL:
            return .cannotListen(
                host: host, port: port, reason: "\(host) is not an address of this machine (see server.host in the config)")
        case EACCES:
            return .cannotListen(
                host: host, port: port, reason: "ports below 1024 need privileges; choose another with --port or server.port")
        default:
            return .cannotListen(host: host, port: port, reason: String(cString: strerror(code)))
        }
    }
}
