import Logging
import Synchronization

/// A logger that keeps what is logged through it, for tests of what a job or the engine says:
/// its report lines, its counts at info, its lines per key at debug.
///
/// ```swift
/// let log = LogCapture()
/// let context = JobContext(..., logger: log.logger, ...)
/// #expect(log.messages.contains("info Found 2 counter keys to process; …"))
/// ```
public final class LogCapture: Sendable {
    /// One event.
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: Logger.Metadata
    }

    private let kept = Mutex<[Entry]>([])

    /// An empty capture.
    public init() {}

    /// Everything logged so far, in order.
    public var entries: [Entry] { kept.withLock { $0 } }

    /// Each event as `level message`.
    public var messages: [String] { entries.map { "\($0.level) \($0.message)" } }

    /// A logger at `level` (debug by default) that keeps its events here.
    public func logger(level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: "log-capture") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func keep(_ entry: Entry) { kept.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.keep(
                Entry(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
