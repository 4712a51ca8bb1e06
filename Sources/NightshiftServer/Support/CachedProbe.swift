import Synchronization

/// A store read that unauthenticated endpoints (`/readyz`, `/metrics`) make: done by one
/// caller at a time, given up after `timeout` whether or not the store answers, and answered
/// from the last result while it is younger than `freshFor`, or while a newer one is being
/// read (only the very first caller waits for the store).
///
/// Each call used to query the store, so a flood of probes was a flood of queries, and during
/// an outage every probe hung as long as the store did.
actor CachedProbe<Value: Sendable> {
    private let freshFor: Duration
    private let timeout: Duration
    private let read: @Sendable () async throws -> Value
    private var last: (result: Result<Value, any Error>, at: ContinuousClock.Instant)?
    private var inFlight: Task<Result<Value, any Error>, Never>?

    init(freshFor: Duration, timeout: Duration, read: @escaping @Sendable () async throws -> Value) {
        self.freshFor = freshFor
        self.timeout = timeout
        self.read = read
    }

    /// The last result, refreshed in the background once it is stale; the first call waits
    /// for the first read.
    func value() async -> Result<Value, any Error> {
        guard let last else { return await refresh().value }
        if ContinuousClock.now - last.at >= freshFor { refresh() }
        return last.result
    }

    /// The read under way, or a new one.
    @discardableResult
    private func refresh() -> Task<Result<Value, any Error>, Never> {
        if let inFlight { return inFlight }
        let task = Task { [read, timeout] () -> Result<Value, any Error> in
            do { return .success(try await withDeadline(timeout, read)) } catch { return .failure(error) }
        }
        inFlight = task
        Task { self.keep(await task.value) }
        return task
    }

    private func keep(_ result: Result<Value, any Error>) {
        last = (result, .now)
        inFlight = nil
    }
}

/// The store did not answer in time.
struct ProbeTimeout: Error, CustomStringConvertible {
    let after: Duration
    var description: String { "no answer within \(after)" }
}

/// Runs `operation`, or throws ``ProbeTimeout`` after `limit`, returning then even when the
/// operation does not heed cancellation (a task group would wait for it: a store call stuck in
/// an outage kept the probe waiting).
func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let work = Task { try await operation() }
    let answered = Mutex(false)
    // True for the first caller only: the continuation is resumed once.
    let first: @Sendable () -> Bool = {
        answered.withLock { answered in
            defer { answered = true }; return !answered
        }
    }
    return try await withCheckedThrowingContinuation { continuation in
        let timer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled, first() else { return }
            work.cancel()
            continuation.resume(throwing: ProbeTimeout(after: limit))
        }
        Task {
            let result = await work.result
            timer.cancel()
            if first() { continuation.resume(with: result) }
        }
    }
}
