import Foundation
import Nightshift
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// `pause`, `resume`, `cancel` and `retry` from the terminal, on SQLite and PostgreSQL.
@Suite struct ControlCommandTests {
    @Test("pause and resume a job, retry one run and many, cancel a queued run", arguments: TestStoreKind.available)
    func controlCommands(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let cli = try Nightshift()
            defer { cli.cleanUp() }
            let config = try cli.write(
                config: """
                    store: \(test.url)
                    jobs:
                      broken:
                        kind: command
                        command: [sh, -c, "echo no; exit 3"]
                    """)
            for _ in 0..<3 { #expect(try await cli.run(["run", "broken", "--config", config]).status == 1) }
            let failed = try await test.store.runs(RunQuery(job: "broken", status: .failed))
            #expect(failed.count == 3)
            let one = try #require(failed.first).id.lowercasedText
            let retried = try await cli.run(["retry", one, "--config", config])
            #expect(retried.status == 0 && retried.output.contains("\(one): retried as"), "\(retried.output)")
            // The run retried above still has its retry queued: the other two are retried.
            let many = try await cli.run(["retry", "--job", "broken", "--status", "failed", "--since", "24h", "--config", config])
            #expect(many.output.contains("matched 3 failed or discarded run(s); retried 2"), "\(many.output)")
            let queued = try await test.store.runs(RunQuery(job: "broken", status: .queued))
            #expect(queued.count == 3 && queued.allSatisfy { $0.trigger == .retry && $0.triggeredBy == "cli" })
            let refused = try await cli.run(["retry", try #require(queued.first).id.lowercasedText, "--config", config])
            #expect(
                refused.status != 0 && refused.output.contains("only failed, discarded or cancelled runs"), "\(refused.output)")
            let target = try #require(queued.first).id.lowercasedText
            let cancelled = try await cli.run(["cancel", target, "--config", config])
            #expect(cancelled.status == 0 && cancelled.output.contains("\(target): cancelled"), "\(cancelled.output)")
            let again = try await cli.run(["cancel", target, "--config", config])
            #expect(again.status != 0 && again.output.contains("has already ended (cancelled)"), "\(again.output)")
            #expect(try await cli.run(["pause", "broken", "--config", config]).output.contains("broken: paused"))
            #expect(try await test.store.jobStates().first { $0.name == "broken" }?.paused == true)
            let status = try await cli.run(["status", "--config", config])
            #expect(status.output.contains("PAUSED"), "\(status.output)")
            #expect(try await cli.run(["resume", "broken", "--config", config]).output.contains("broken: resumed"))
            #expect(try await test.store.jobStates().first { $0.name == "broken" }?.paused == false)
            let unknown = try await cli.run(["pause", "nope", "--config", config])
            #expect(unknown.status != 0 && unknown.output.contains("nope"), "\(unknown.output)")
        }
    }

    @Test(
        "the README's recovery commands find runs whose retries ran out (discarded) with --status failed",
        arguments: TestStoreKind.available)
    func recoveryFindsDiscardedRuns(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let cli = try Nightshift()
            defer { cli.cleanUp() }
            let config = try cli.write(
                config: """
                    store: \(test.url)
                    jobs:
                      flaky:
                        kind: command
                        command: [sh, -c, "echo down >&2; exit 3"]
                        retries: { max_attempts: 2, backoff: 10ms }
                    """)
            #expect(try await cli.run(["run", "flaky", "--config", config]).status == 1)
            let ended = try #require(try await test.store.runs(RunQuery(job: "flaky")).first)
            #expect(ended.status == .discarded && ended.attempt == 2)
            let listed = try await cli.run(["runs", "--job", "flaky", "--status", "failed", "--config", config])
            #expect(listed.status == 0 && listed.output.contains(String(ended.id.lowercasedText.prefix(8))), "\(listed.output)")
            #expect(listed.output.contains("discarded"), "\(listed.output)")
            // The start of the id, as the dashboard and `runs` show it, finds the run too.
            let shown = try await cli.run(["runs", "show", String(ended.id.lowercasedText.prefix(24)), "--config", config])
            #expect(shown.status == 0 && shown.output.contains(ended.id.lowercasedText), "\(shown.output)")
            let unknown = try await cli.run(["runs", "show", "ffffffff-ffff", "--config", config])
            #expect(unknown.status != 0 && unknown.output.contains("no run"), "\(unknown.output)")
            let retried = try await cli.run(["retry", "--status", "failed", "--since", "24h", "--config", config])
            #expect(retried.output.contains("matched 1 failed or discarded run(s); retried 1"), "\(retried.output)")
        }
    }
}
