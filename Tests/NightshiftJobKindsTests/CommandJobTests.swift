import Foundation
import Logging
import Nightshift
import NightshiftTestSupport
import NightshiftTesting
import Synchronization
import Testing

@testable import NightshiftJobKinds

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

    /// A context that records progress reports, and logs into `log`.
    final class Recorder: Sendable {
        let progress = Mutex<[Int]>([])
        let log = LogCapture()

        var context: JobContext {
            JobContext(
                jobName: "test", runID: .version7(), attempt: 1, scheduledFor: nil, isDryRun: false, window: nil, params: [:],
                logger: log.logger(), progress: { value in self.progress.withLock { $0.append(value) } })
        }

        /// The lines logged as reports.
        var reports: [String] { log.entries.filter { $0.metadata[JobContext.reportMetadataKey] != nil }.map(\.message) }
    }

    @Test(
        "the result protocol: a shell and a Python program report progress, report lines and details through NIGHTSHIFT_RESULT_FILE",
        arguments: [
            """
            echo '{"progress": 40}' >> "$NIGHTSHIFT_RESULT_FILE"
            echo '{"report": "Removed 3 expired sessions"}' >> "$NIGHTSHIFT_RESULT_FILE"
            echo 'not json' >> "$NIGHTSHIFT_RESULT_FILE"
            echo '{"details": {"expiredCount": 3, "revokedCount": 0}}' >> "$NIGHTSHIFT_RESULT_FILE"
            printf '{"details": {"revokedCount": 1}}' >> "$NIGHTSHIFT_RESULT_FILE"
            echo ordinary output
            """,
            """
            python3 - <<'PY'
            import json, os
            with open(os.environ["NIGHTSHIFT_RESULT_FILE"], "a") as results:
                def send(**line): results.write(json.dumps(line) + "\\n"); results.flush()
                send(progress=40)
                send(report="Removed 3 expired sessions")
                results.write("not json\\n")
                send(details={"expiredCount": 3, "revokedCount": 0})
                send(details={"revokedCount": 1})
            print("ordinary output")
            PY
            """,
        ])
    func resultProtocol(program: String) async throws {
        let recorder = Recorder()
        let details = try await CommandJob(command: ["sh", "-c", program]).body(recorder.context)
        #expect(details == ["expiredCount": 3, "revokedCount": 1])
        #expect(recorder.progress.withLock { $0 } == [40])
        #expect(recorder.reports == ["Removed 3 expired sessions"])
    }

    @Test("a report line cannot forge log lines or flood the log: control characters become spaces, length is capped")
    func reportLinesSanitized() async throws {
        let recorder = Recorder()
        let program = #"""
            cat >> "$NIGHTSHIFT_RESULT_FILE" <<'J'
            {"report": "done\ninfo nightshift: [other] Completed"}
            J
            printf '{"report": "%s"}\n' "$(printf '%5000s' '' | tr ' ' x)" >> "$NIGHTSHIFT_RESULT_FILE"
            """#
        _ = try await CommandJob(command: ["sh", "-c", program]).body(recorder.context)
        let reports = recorder.reports
        #expect(reports.first == "done info nightshift: [other] Completed", "\(reports)")
        #expect(reports.count == 2 && reports[1].hasSuffix(" … (cut)") && reports[1].count == 1_024 + 8, "\(reports)")
    }

    @Test("a non-zero exit fails with the status and the last line on standard error, else on standard output")
    func failure() async throws {
        // A traceback's last line goes to standard error; the progress lines after it to standard output.
        let job = CommandJob(command: ["sh", "-c", "echo working; echo 'disk full' >&2; echo 'cleaning up'; exit 7"])
        await #expect(throws: MaintenanceError.commandFailed(status: 7, lastLine: "disk full")) {
            try await job.body(context())
        }
        await #expect(throws: MaintenanceError.commandFailed(status: 2, lastLine: "only stdout")) {
            try await CommandJob(command: ["sh", "-c", "echo only stdout; exit 2"]).body(context())
        }
        // Python's output reaches the run as it is printed: unbuffered unless the job says otherwise.
        let python = try await CommandJob(command: ["sh", "-c", "echo $PYTHONUNBUFFERED"]).body(context())
        #expect(python["output"] == "1")
        let chosen = try await CommandJob(
            command: ["sh", "-c", "echo $PYTHONUNBUFFERED"], environment: ["PYTHONUNBUFFERED": "0"]
        )
        .body(context())
        #expect(chosen["output"] == "0")
        await #expect(throws: MaintenanceError.self) {
            try await job.body(context())
        }
        await #expect(throws: MaintenanceError.self) {
            try await CommandJob(command: ["/nonexistent/program"]).body(context())
        }
    }

    @Test("cancellation stops the program and what it started")
    func cancellation() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        // The shell and its sleep would run an hour: only stopping them ends the run within the bounds below.
        let job = CommandJob(command: ["sh", "-c", "sleep 3600 & echo $! > \(pidFile); wait"])
        let task = Task { try await job.body(context()) }
        var sleeper: Int32?
        let deadline = ContinuousClock.now + .seconds(120)
        while sleeper == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            sleeper = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        task.cancel()
        let ended = await Task { _ = await task.result }.ended(within: .seconds(120))
        #expect(ended, "the program was waited for, not stopped")
        await #expect(throws: (any Error).self) { try await task.value }
        let pid = try #require(sleeper)
        #expect(try await ProcessState.ends(pid, within: 60), "the program's child \(pid) is still running")
    }
}

@Suite struct CommandJobProcessTests {
    /// The descriptors this process has open now.
    static func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    @Test("runs leave no descriptor behind, started or not (every run leaked a pipe before)")
    func noDescriptorLeak() async throws {
        _ = try await CommandJob(command: ["true"]).body(context())
        let before = try Self.openDescriptors()
        for index in 0..<200 {
            if index.isMultiple(of: 2) {
                await #expect(throws: MaintenanceError.self) {
                    try await CommandJob(command: ["/nonexistent/program"]).body(context())
                }
            } else {
                _ = try await CommandJob(command: ["sh", "-c", "echo \(index)"]).body(context())
            }
        }
        // The count is the whole test process's, and other tests open files and sockets meanwhile:
        // a leak in either path (100 runs each) would leave 100 or more; a few dozen are other tests'.
        #expect(try Self.openDescriptors() <= before + 50)
        // Each run's reaper is waited for: a few zombies may be other tests' programs ending now.
        #expect(ProcessState.zombieChildren() < 10, "reapers or programs left as zombies")
    }

    @Test("programs start with no signal blocked or ignored, so SIGTERM reaches them and pipes close quietly")
    func cleanSignalState() async throws {
        // Nightshift's process ignores SIGPIPE (SwiftNIO) and its threads block the signals
        // that service lifecycle handles; none of that may reach a program.
        signal(SIGPIPE, SIG_IGN)
        let details = try await CommandJob(command: ["sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status; yes | head -n 1"])
            .body(context())
        guard case .string(let output) = details["output"] else {
            Issue.record("no output in \(details)")
            return
        }
        let lines = output.split(separator: "\n")
        // Signals 1 to 31; above them are the C library's own real-time signals.
        let masks = lines.dropLast().compactMap { line in line.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) } }
        #expect(masks.count == 2 && masks.allSatisfy { $0 & 0x7FFF_FFFF == 0 }, "\(output)")
        #expect(lines.last == "y")
    }

    @Test("programs get a minimal environment: no API token or store URL, only what is named")
    func minimalEnvironment() async throws {
        setenv("NIGHTSHIFT_TEST_ADMIN_TOKEN", "secret-admin-token", 1)
        setenv("NIGHTSHIFT_TEST_SHARED", "shared-value", 1)
        let job = CommandJob(
            command: ["sh", "-c", "env | sort"], environment: ["GREETING": "hi"], inheritedEnvironment: ["NIGHTSHIFT_TEST_SHARED"]
        )
        let details = try await job.body(context())
        guard case .string(let output) = details["output"] else {
            Issue.record("no output in \(details)")
            return
        }
        #expect(!output.contains("secret-admin-token"))
        #expect(output.contains("NIGHTSHIFT_TEST_SHARED=shared-value"))
        #expect(output.contains("GREETING=hi"))
        #expect(output.contains("PATH="))
        let names = Set(output.split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
        let allowed = Set(
            CommandJob.baseEnvironment + [
                "NIGHTSHIFT_TEST_SHARED", "GREETING", "NIGHTSHIFT_JOB", "NIGHTSHIFT_RUN_ID", "NIGHTSHIFT_DRY_RUN",
                "NIGHTSHIFT_RESULT_FILE", "PYTHONUNBUFFERED",
            ])
        // The shell itself sets PWD, SHLVL and _.
        #expect(
            names.subtracting(allowed).subtracting(["PWD", "SHLVL", "_"]).isEmpty, "unexpected: \(names.subtracting(allowed))")
    }

    @Test("a 16 MB line is cut to 4 KiB in linear time (it took minutes and went whole into the details)")
    func longLinesAreBounded() async throws {
        let job = CommandJob(command: ["sh", "-c", "head -c 16000000 /dev/zero | tr '\\0' a; echo; echo last"], keptLines: 3)
        let details = try await job.body(context())
        guard case .string(let output) = details["output"] else {
            Issue.record("no output in \(details)")
            return
        }
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2)
        #expect(
            lines.first?.hasPrefix(String(repeating: "a", count: 4_096) + " … (line cut at 4096 bytes: 15995904 more)") == true)
        #expect(lines.last == "last")
    }

    @Test("a program that puts a FIFO or a link where its result file was neither stalls Nightshift nor is read")
    func resultFileReplaced() async throws {
        for replacement in [#"mkfifo "$NIGHTSHIFT_RESULT_FILE""#, #"ln -s /etc/passwd "$NIGHTSHIFT_RESULT_FILE""#] {
            // A FIFO nobody writes to: opening it to read, as the file was opened before, waits for good.
            let job = CommandJob(command: ["sh", "-c", #"rm "$NIGHTSHIFT_RESULT_FILE"; "# + replacement + "; sleep 1; echo done"])
            let run = Task { try await job.body(context()) }
            let ended = await Task { _ = await run.result }.ended(within: .seconds(120))
            #expect(ended, "the run stalled on \(replacement)")
            guard ended else { return run.cancel() }
            #expect(try await run.value == ["exitStatus": 0, "output": "done"])
        }
    }

    @Test("a background process holding the output does not keep the run going, and is stopped")
    func backgroundProcessHoldingOutput() async throws {
        // The background process would hold the output open for an hour; it prints its pid.
        let job = CommandJob(command: ["sh", "-c", "(sleep 3600; echo late) & echo $!"])
        let run = Task { try await job.body(context()) }
        let ended = await Task { _ = await run.result }.ended(within: .seconds(120))
        #expect(ended, "the run waited for the background process")
        guard ended else { return run.cancel() }
        let details = try await run.value
        guard case .string(let output) = details["output"], let pid = Int32(output) else {
            Issue.record("no pid in \(details)")
            return
        }
        #expect(try await ProcessState.ends(pid, within: 60), "the background process \(pid) is still running")
    }
}

@Suite struct OutputCaptureTests {
    func capture(_ chunks: [String], keeping: Int = 3, lineBytes: Int = 8) -> [String] {
        let capture = OutputCapture(keeping: keeping, maximumLineBytes: lineBytes)
        for chunk in chunks { Array(chunk.utf8).withUnsafeBytes { capture.append($0) } }
        return capture.finish().lines
    }

    @Test("lines split across chunks are joined; only the last lines are kept")
    func joinsAndKeepsTheLast() {
        #expect(capture(["a\nb", "c\nd\n", "e"]) == ["bc", "d", "e"])
        #expect(capture(["one\n", "two\n"]) == ["one", "two"])
    }

    @Test("a long line keeps its start and says how much was cut, even across chunks")
    func cutsLongLines() {
        #expect(capture(["0123456", "789abc\nok"]) == ["01234567 … (line cut at 8 bytes: 5 more)", "ok"])
    }
}
