import Foundation

/// How often a failed run is tried again, and how long to wait in between.
///
/// The wait before attempt `n + 1` is `base × 2^(n-1)`, capped at `maximum`, with "equal jitter":
/// half of it fixed and half random, so that runs which failed together do not retry together.
public struct RetryPolicy: Equatable, Sendable {
    /// Attempts in all, the first included; 1 means no retry.
    public var maxAttempts: Int
    /// The wait after the first failure.
    public var backoffBase: Duration
    /// The longest wait.
    public var backoffMaximum: Duration

    /// A policy with `maxAttempts` attempts in all.
    public init(maxAttempts: Int = 1, backoffBase: Duration = .seconds(10), backoffMaximum: Duration = .seconds(3600)) {
        self.maxAttempts = max(1, maxAttempts)
        self.backoffBase = backoffBase
        self.backoffMaximum = backoffMaximum
    }

    /// The wait after failed attempt `attempt` (1-based). `unitRandom` in `0...1` is the
    /// jitter; tests pass a fixed value.
    public func delay(afterAttempt attempt: Int, unitRandom: Double = Double.random(in: 0...1)) -> Duration {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let full = min(backoffMaximum.inSeconds, backoffBase.inSeconds * pow(2, exponent))
        return .seconds(full / 2 + full / 2 * unitRandom)
    }
}
