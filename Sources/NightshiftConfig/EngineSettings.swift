import Foundation
import Nightshift

/// The `engine:` section: how one instance claims and executes runs. Every key is optional;
/// `NIGHTSHIFT_LEASE_SECONDS`, `NIGHTSHIFT_POLL_SECONDS` and `NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS`
/// override the file, and `serve --concurrency` overrides both.
///
/// ```yaml
/// engine:
///   concurrency: 10        # runs executing at once
///   prefetch: 1000         # claimed runs held beyond the slots (0: claim for free slots only)
///   poll_interval: 1s      # how often idle workers look for runs
///   lease: 30s             # scheduler lease; a run whose heartbeat is older is rescued
///   shutdown_grace: 30s    # how long running jobs get after SIGTERM
/// ```
public struct EngineSettings: Equatable, Sendable {
    /// Runs executing at once.
    public var concurrency = 10
    /// Claimed runs held beyond the slots.
    public var prefetch = 1000
    /// How often idle workers look for runs.
    public var pollInterval: Duration = .seconds(1)
    /// The scheduler lease and the age after which a silent run is rescued.
    public var lease: Duration = .seconds(30)
    /// How long running jobs get after SIGTERM.
    public var shutdownGrace: Duration = .seconds(30)

    /// The defaults.
    public init() {}

    static let concurrencyRange = 1...10_000
    static let prefetchRange = 0...1_000_000
    static let pollRange = 0.01...3_600.0
    static let leaseRange = 1...86_400.0
    static let graceRange = 0...86_400.0

    init(node: ConfigNode?, environment: [String: String]) throws(ConfigError) {
        if let node {
            let fields = try ConfigFields(node)
            concurrency = try fields["concurrency"]?.int(in: Self.concurrencyRange) ?? concurrency
            prefetch = try fields["prefetch"]?.int(in: Self.prefetchRange) ?? prefetch
            pollInterval =
                try fields["poll_interval"].map { value throws(ConfigError) in
                    try value.duration(in: Self.pollRange)
                } ?? pollInterval
            lease =
                try fields["lease"].map { value throws(ConfigError) in try value.duration(in: Self.leaseRange) }
                ?? lease
            shutdownGrace =
                try fields["shutdown_grace"].map { value throws(ConfigError) in
                    try value.duration(in: Self.graceRange)
                } ?? shutdownGrace
            try fields.finish()
        }
        func seconds(_ variable: String, in range: ClosedRange<Double>) throws(ConfigError) -> Duration? {
            guard let text = environment[variable] else { return nil }
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw ConfigError(
                    file: "environment", line: nil, key: variable,
                    reason:
                        "'\(text)' is not a number of seconds from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))"
                )
            }
            return .seconds(value)
        }
        lease = try seconds("NIGHTSHIFT_LEASE_SECONDS", in: Self.leaseRange) ?? lease
        pollInterval = try seconds("NIGHTSHIFT_POLL_SECONDS", in: Self.pollRange) ?? pollInterval
        shutdownGrace = try seconds("NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS", in: Self.graceRange) ?? shutdownGrace
    }

    /// These settings applied to `configuration`.
    public func apply(to configuration: inout EngineConfiguration) {
        configuration.concurrency = concurrency
        configuration.prefetch = prefetch
        configuration.pollInterval = pollInterval
        configuration.leaseDuration = lease
        configuration.shutdownGracePeriod = shutdownGrace
    }
}
