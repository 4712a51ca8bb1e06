/// How long a store keeps a signed-out dashboard session after the session would have ended.
public enum SessionRevocations {
    /// A day past its end: the end is written by one instance's clock and checked by another's,
    /// so a revocation forgotten at its end by a host whose clock runs ahead would let a copy of
    /// the cookie back in on a host whose clock runs behind.
    public static let keptPastExpiry: Duration = .seconds(86_400)
}
