import Foundation
import Logging
import Nightshift
import NightshiftMaintenance
import Testing

func context(dryRun: Bool = false, params: JSONObject = [:]) -> JobContext {
    JobContext(
        jobName: "test", runID: .version7(), attempt: 1, scheduledFor: nil, isDryRun: dryRun, window: nil, params: params,
        logger: Logger(label: "maintenance-test"), progress: { _ in })
}

@Suite struct CommandJobTests {
    @Test("details hold the exit status and the last lines of output; params and dry run reach the environment")
    func details() async throws {
        let job = CommandJob(
            command: [
                "sh", "-c", "for i in 1 2 3; do echo line $i; done; echo \"$NIGHTSHIFT_PARAM_DAY $NIGHTSHIFT_DRY_RUN $GREETING\"",
            ],
            environment: ["GREETING": "hi"], keptLines: 2)
        let details = try await job.body(context(dryRun: true, params: ["day": "2026-01-01"]))
        #expect(details == ["exitStatus": 0, "output": "line 3\n2026-01-01 1 hi"])
    }

    @Test("a non-zero exit fails with the status and the last line")
    func failure() async throws {
        let job = CommandJob(command: ["sh", "-c", "echo working; echo 'disk full' >&2; exit 7"])
        await #expect(throws: MaintenanceError.commandFailed(status: 7, lastLine: "disk full")) {
            try await job.body(context())
        }
        await #expect(throws: MaintenanceError.self) {
            try await CommandJob(command: ["/nonexistent/program"]).body(context())
        }
    }

    @Test("cancellation stops the program")
    func cancellation() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-\(UUID().uuidString)").path
        let job = CommandJob(command: ["sh", "-c", "sleep 3; touch \(marker)"])
        let started = ContinuousClock.now
        let task = Task { try await job.body(context()) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        _ = await task.result
        #expect(ContinuousClock.now - started < .seconds(2))
        try await Task.sleep(for: .seconds(3.2))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
