import Foundation

/// Somewhere alerts go: a webhook, a Slack incoming webhook, a program.
///
/// Implementations must not put secrets (URLs with tokens, signing keys) in the errors they
/// throw: errors are logged and stored with the notification.
public protocol AlertChannel: Sendable {
    /// The channel's name in the config (`alerts.channels`).
    var name: String { get }
    /// Delivers one event; `payload` is the event as stored (the exact bytes a signature covers)
    /// and `notificationID` identifies the notification across repeats (`Idempotency-Key`).
    /// Throws when the receiver did not take it.
    func deliver(_ event: AlertEvent, payload: String, notificationID: UUID) async throws
}
