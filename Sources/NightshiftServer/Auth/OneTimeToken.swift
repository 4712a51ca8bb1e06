/// The admin token `serve` makes for itself when the config has none and the API listens on
/// loopback only, so that a first run's API answers at once (as Jupyter prints its URL with a
/// token). It lives as long as the process; on any other address there is none, and a config
/// without tokens leaves the API closed.
public enum OneTimeToken {
    /// The token for an API on `host` with `configuredTokens`: nil unless there are none and
    /// `host` is a loopback address.
    public static func make(host: String, configuredTokens: Int) -> APIToken? {
        guard configuredTokens == 0, isLoopback(host) else { return nil }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<24).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        return APIToken(name: "one-time", role: .admin, secret: secret)
    }

    /// Whether `host` reaches only this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
