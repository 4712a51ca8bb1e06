import Foundation
import Nightshift
import Synchronization

/// A channel that keeps what it is given, and refuses the first `failures` deliveries as a
/// receiver that is down would.
final class RecordingChannel: AlertChannel {
    let name: String
    private let state: Mutex<(events: [AlertEvent], keys: [UUID], failuresLeft: Int)>

    init(name: String, failures: Int = 0) {
        self.name = name
        state = Mutex(([], [], failures))
    }

    /// The events taken, in order.
    var events: [AlertEvent] { state.withLock { $0.events } }
    /// The notification ids of the events taken.
    var keys: [UUID] { state.withLock { $0.keys } }

    func deliver(_ event: AlertEvent, payload: String, notificationID: UUID) async throws {
        try state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw RecordingChannelDown()
            }
            state.events.append(event)
            state.keys.append(notificationID)
        }
    }
}

/// The error of a ``RecordingChannel`` that is down.
struct RecordingChannelDown: Error, CustomStringConvertible {
    var description: String { "the receiver answered 500" }
}
