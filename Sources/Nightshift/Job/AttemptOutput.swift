import Synchronization

/// Where an attempt's output tail can be read, named by the job while it runs and read by the
/// engine when the attempt ends: on success, failure, timeout or cancellation alike, so that a
/// program that failed or was stopped keeps what it printed.
final class AttemptOutput: Sendable {
    private let source = Mutex<(@Sendable () -> String)?>(nil)

    /// Names the source; a later call replaces an earlier one.
    func keep(from source: @escaping @Sendable () -> String) {
        self.source.withLock { $0 = source }
    }

    /// The output now, or nil when the job named no source or it is empty.
    var text: String? {
        guard let read = source.withLock({ $0 }) else { return nil }
        let text = read()
        return text.isEmpty ? nil : text
    }
}
