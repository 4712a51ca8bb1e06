import Logging
import Synchronization

/// An attempt's logger, with the attempt's metadata attached when it is first used.
///
/// Attaching metadata makes a handler render its metadata again (swift-log's stream handler
/// does on every change); done for every attempt it was a tenth of the engine's CPU at
/// thousands of runs per second (measured with perf), mostly for jobs that never log.
final class AttemptLogger: Sendable {
    private struct State {
        var logger: Logger
        var pending: (@Sendable () -> Logger.Metadata)?
    }
    private let state: Mutex<State>

    init(_ logger: Logger, metadata: (@Sendable () -> Logger.Metadata)?) {
        state = Mutex(State(logger: logger, pending: metadata))
    }

    var logger: Logger {
        state.withLock { state in
            if let pending = state.pending {
                state.logger.handler.metadata.merge(pending()) { _, new in new }
                state.pending = nil
            }
            return state.logger
        }
    }
}
