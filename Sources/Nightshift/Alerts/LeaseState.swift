import Foundation

/// A lease row as the store keeps it: who holds it, until when, and the last gap in which nobody
/// did.
public struct LeaseState: Equatable, Sendable {
    /// The instance that holds (or last held) it.
    public var holder: String
    /// When it runs (or ran) out.
    public var expiresAt: Date
    /// When the current holder took it.
    public var acquiredAt: Date?
    /// When a gap of more than two lease periods without a holder began, until an alert
    /// accounts for it: the previous holder's expiry, kept when a holder took the lease after
    /// such a gap.
    public var gapFrom: Date?

    /// A lease.
    public init(holder: String, expiresAt: Date, acquiredAt: Date? = nil, gapFrom: Date? = nil) {
        self.holder = holder
        self.expiresAt = expiresAt
        self.acquiredAt = acquiredAt
        self.gapFrom = gapFrom
    }
}
