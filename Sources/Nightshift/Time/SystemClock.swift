import Foundation

/// The real time: `Date` for the wall clock, `ContinuousClock` for elapsed time and sleeping.
public struct SystemClock: EngineClock {
    /// The origin of ``uptime``, fixed when the process first reads it.
    private static let origin = ContinuousClock.now

    /// The system clock.
    public init() {}

    public var now: Date { Date() }

    public var uptime: Duration { ContinuousClock.now - Self.origin }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
