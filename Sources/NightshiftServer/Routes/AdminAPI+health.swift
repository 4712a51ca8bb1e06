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
}

extension AdminAPI {
    /// `/readyz`: 200 when the store answers and its schema is current, 503 otherwise.
    func readiness() async -> JSONResponse<ReadinessAnswer> {
        do {
            let migrated = try await withTimeout(seconds: 3) { try await self.store.isMigrated() }
            guard migrated else {
                return JSONResponse(
                    ReadinessAnswer(status: "unavailable", error: "the store's schema is not current; run 'nightshift migrate'"),
                    status: .serviceUnavailable)
            }
            return JSONResponse(ReadinessAnswer(status: "ready"))
        } catch {
            return JSONResponse(
                ReadinessAnswer(status: "unavailable", error: "the store is unreachable: \(error)"), status: .serviceUnavailable)
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

    /// `/metrics`: Prometheus text. Queue depths and failure counts are read when scraped; run
    /// counts, durations, lag and leadership come from the engine as they happen.
    func metrics(_ request: Request) async throws -> Response {
        if configuration.metricsRequireToken { _ = try authenticator.authorize(request, roles: Set(APIRole.allCases)) }
        let depths = try await store.queueDepths()
        // A queue that emptied keeps its gauge, at zero, rather than a stale last value.
        for queue in knownQueues.add(depths.keys) {
            registry.makeGauge(descriptor: Self.queuedRuns, labels: [("queue", queue)]).set(Double(depths[queue] ?? 0))
        }
        for state in try await store.jobStates() where jobsByName[state.name] != nil {
            registry.makeGauge(descriptor: Self.consecutiveFailures, labels: [("job", state.name)])
                .set(Double(state.consecutiveErrors))
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}

/// Runs `operation`, or throws `CancellationError` when it takes longer than `seconds`.
func withTimeout<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw CancellationError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// The queues `/metrics` has reported so far, so that each keeps a gauge once it appeared.
final class KnownQueues: Sendable {
    private let queues = Mutex<Set<String>>(["default"])

    /// Adds `names` and returns every queue known.
    func add(_ names: some Sequence<String>) -> Set<String> {
        queues.withLock { queues in
            queues.formUnion(names)
            return queues
        }
    }
}
