import Foundation

/// One message to one channel about an incident opening or resolving: a row of the store's
/// outbox, written in the transaction that opened or resolved the incident, and delivered by the
/// leader until the channel takes it.
public struct AlertNotification: Equatable, Sendable {
    /// The notification's id, sent as `Idempotency-Key` so that receivers can drop repeats.
    public var id: UUID
    /// The incident it is about.
    public var incidentID: UUID
    /// The channel's name in the config.
    public var channel: String
    /// The JSON document delivered (an ``AlertEvent``), as text.
    public var payload: String
    /// When it was written.
    public var createdAt: Date
    /// Not delivered before this time (the backoff after a failed delivery).
    public var deliverAfter: Date
    /// Delivery attempts so far.
    public var attempts: Int
    /// When the channel took it; nil until then.
    public var deliveredAt: Date?
    /// When delivery was given up; nil until then.
    public var failedAt: Date?
    /// Why the last delivery failed.
    public var lastError: String?

    /// A notification as the store keeps it.
    public init(
        id: UUID = .version7(), incidentID: UUID, channel: String, payload: String, createdAt: Date, deliverAfter: Date? = nil,
        attempts: Int = 0, deliveredAt: Date? = nil, failedAt: Date? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.incidentID = incidentID
        self.channel = channel
        self.payload = payload
        self.createdAt = createdAt
        self.deliverAfter = deliverAfter ?? createdAt
        self.attempts = attempts
        self.deliveredAt = deliveredAt
        self.failedAt = failedAt
        self.lastError = lastError
    }
}

/// How one delivery attempt of a notification ended.
public enum DeliveryOutcome: Equatable, Sendable {
    /// The channel took it.
    case delivered
    /// It failed; try again at `at`.
    case retry(at: Date, error: String)
    /// It failed for good (tried for as long as allowed).
    case failed(error: String)
}
