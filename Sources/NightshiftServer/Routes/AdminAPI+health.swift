import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Nightshift
import Prometheus
import Synchronization

/// The answer of `/readyz`.
struct ReadinessAnswer: Codable, Sendable {
    var status: String
    var error: String?
    /// Each dependency's state: `ready`, or why not.
    var dependencies: [String: String]?
}

/// What `/metrics` reads from the store.
struct StoreMetricsSnapshot: Sendable {
    var queueDepths: [String: Int]
    var jobStates: [JobState]
}

extension AdminAPI {
    /// `/readyz`: 200 when the store answers, its schema is current and every dependency
    /// (`databases:` and `redis:` entries) answers; 503 naming what does not. Each is asked at
    /// most once a second, all at once, so the answer comes within 3 s during an outage
    /// however many are down.
    func readiness() async -> JSONResponse<ReadinessAnswer> {
        async let store = probes.readiness.value()
        let states = await withTaskGroup(of: (String, String).self) { group in
            for (name, probe) in probes.dependencies {
                group.addTask {
                    if case .failure(let error) = await probe.value() { return (name, "\(error)") }
                    return (name, "ready")
                }
            }
            var states: [String: String] = [:]
            for await (name, state) in group { states[name] = state }
            return states
        }
        let dependencies = states.isEmpty ? nil : states
        let failing = states.filter { $0.value != "ready" }.keys.sorted()
        switch await store {
        case .success(true) where failing.isEmpty:
            return JSONResponse(ReadinessAnswer(status: "ready", dependencies: dependencies))
        case .success(true):
            return JSONResponse(
                ReadinessAnswer(
                    status: "unavailable", error: "unreachable: \(failing.joined(separator: ", "))", dependencies: dependencies),
                status: .serviceUnavailable)
        case .success(false):
            return JSONResponse(
                ReadinessAnswer(
                    status: "unavailable", error: "the store's schema is not current; run 'nightshift migrate'",
                    dependencies: dependencies),
                status: .serviceUnavailable)
        case .failure(let error):
            return JSONResponse(
                ReadinessAnswer(status: "unavailable", error: "the store is unreachable: \(error)", dependencies: dependencies),
                status: .serviceUnavailable)
        }
    }

    // Computed: the descriptor type is not Sendable, so it cannot be a stored static.
    private static var queuedRuns: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "nightshift", metricName: "queued", unitName: "runs", helpText: "Runs waiting in each queue.")
    }
    private static var consecutiveFailures: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "nightshift", metricName: "consecutive", unitName: "failures",
            helpText: "Failed runs of each job since its last success.")
    }

    private static var lastSuccess: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "nightshift", metricName: "last_success_timestamp", unitName: "seconds",
            helpText: "When each job last succeeded (Unix time); absent until it first does.")
    }

    /// `/metrics`: Prometheus text. Queue depths and failure counts are read when scraped; run
    /// counts, durations, lag and leadership come from the engine as they happen.
    func metrics() async throws -> Response {
        // While the store does not answer, the engine's own metrics still go out, with the
        // store's gauges as last read.
        if case .success(let snapshot) = await probes.storeMetrics.value() {
            // A queue that emptied keeps its gauge, at zero, rather than a stale last value, for
            // an hour: then its series goes, so queue names sent once do not stay forever.
            let queues = knownQueues.update(seeing: snapshot.queueDepths.keys)
            for queue in queues.reported {
                registry.makeGauge(descriptor: Self.queuedRuns, labels: [("queue", queue)])
                    .set(Double(snapshot.queueDepths[queue] ?? 0))
            }
            for queue in queues.forgotten {
                registry.unregisterGauge(registry.makeGauge(descriptor: Self.queuedRuns, labels: [("queue", queue)]))
            }
            for state in snapshot.jobStates where jobsByName[state.name] != nil {
                registry.makeGauge(descriptor: Self.consecutiveFailures, labels: [("job", state.name)])
                    .set(Double(state.consecutiveErrors))
                if let success = state.lastSuccessAt {
                    registry.makeGauge(descriptor: Self.lastSuccess, labels: [("job", state.name)])
                        .set(success.timeIntervalSince1970)
                }
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}

/// The store reads behind the unauthenticated endpoints, shared by every request.
struct StoreProbes: Sendable {
    let readiness: CachedProbe<Bool>
    let storeMetrics: CachedProbe<StoreMetricsSnapshot>
    /// One probe per dependency, by name.
    let dependencies: [String: CachedProbe<Bool>]

    init(store: any JobStore, dependencies checks: [String: @Sendable () async throws -> Void]) {
        dependencies = checks.mapValues { check in
            CachedProbe(freshFor: .seconds(1), timeout: .seconds(3)) {
                try await check()
                return true
            }
        }
        readiness = CachedProbe(freshFor: .seconds(1), timeout: .seconds(3)) { try await store.isMigrated() }
        storeMetrics = CachedProbe(freshFor: .seconds(2), timeout: .seconds(3)) {
            StoreMetricsSnapshot(queueDepths: try await store.queueDepths(), jobStates: try await store.jobStates())
        }
    }
}

/// The queues `/metrics` reports: each from when it first holds runs until an hour after it last
/// did (`default` always), and at most ``most`` of them, so that a client inventing queue names
/// cannot grow the page and Prometheus's series without bound.
final class KnownQueues: Sendable {
    /// When each queue last held runs.
    private let lastSeen = Mutex<[String: ContinuousClock.Instant]>([:])
    /// How long an empty queue keeps its gauge.
    static let forgetAfter: Duration = .seconds(3600)
    /// The most queues reported besides `default`.
    static let most = 1000

    /// Notes the queues that hold runs `now`; returns the queues to report and those whose
    /// series should go.
    func update(seeing holding: some Sequence<String>, now: ContinuousClock.Instant = .now) -> (
        reported: [String], forgotten: [String]
    ) {
        lastSeen.withLock { lastSeen in
            for queue in holding where queue != "default" {
                if lastSeen[queue] != nil || lastSeen.count < Self.most { lastSeen[queue] = now }
            }
            let forgotten = lastSeen.filter { now - $0.value > Self.forgetAfter }.map(\.key)
            for queue in forgotten { lastSeen[queue] = nil }
            return (["default"] + lastSeen.keys.sorted(), forgotten)
        }
    }
}
