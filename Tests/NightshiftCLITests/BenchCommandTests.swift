import Foundation
import NightshiftTestSupport
import NightshiftTesting
import Testing

@Suite(.oneAtATime) struct BenchCommandTests {
    @Test(
        "nightshift-bench queue prints the W1, W2 and W3 lines on a fresh schema beside the given store",
        arguments: TestStoreKind.available)
    func queueLines(kind: TestStoreKind) async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let store: String
        switch kind {
        case .sqlite: store = "sqlite:\(cli.directory.appendingPathComponent("bench.db").path)"
        case .postgres: store = try TestServices.url(of: .postgres)
        }
        let (status, output) = try await cli.run(
            ["queue", "--store", store, "--jobs", "100", "--rounds", "2", "--seconds", "3"], program: Nightshift.benchBinary,
            seconds: 600)
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        func line(_ pattern: String) -> String? { lines.first { $0.range(of: pattern, options: .regularExpression) != nil } }
        #expect(line(#"^W1 enqueue: \d+ jobs/s"#) != nil, "\(output)")
        #expect(line(#"^W1 process: \d+ jobs/s \(median of 2\)"#) != nil, "\(output)")
        #expect(line(#"^W1 engine CPU: \d+\.\d µs per job \(median of 2\)"#) != nil, "\(output)")
        #expect(line(#"^W1 engine/SQL ratio: \d+\.\d\d"#) != nil, "\(output)")
        // Per round: the engine, then pgbench from 1 and 2 connections (PostgreSQL with pgbench
        // installed) or the store's calls in a plain loop.
        let ceilings = output.contains("in pgbench") ? 2 : 1
        #expect(lines.filter { $0.hasPrefix("W1 round ") }.count == 2 * (1 + ceilings), "\(output)")
        #expect(line(#"^W2 pickup: p50 \d+\.\d ms, p99 \d+\.\d ms$"#) != nil, "\(output)")
        // Misses depend on the moment the window closes; exactness under failover is
        // MultiInstanceTests' job. Duplicates are never allowed.
        #expect(line(#"^W3 periodic: fires=\d+ expected=3 duplicates=0 misses=\d+$"#) != nil, "\(output)")
    }
}
