import Foundation
import Nightshift
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The `command` job kind: runs a program with arguments and environment, and fails when it
/// exits non-zero.
///
/// Details are `exitStatus` and `output`, the last lines of its standard output and error
/// (each line cut at 4 KiB); a failure's error is the last line it wrote to standard error (the
/// last on standard output when it wrote none there). The program starts with a clean signal mask and default signal
/// handling, in a process group of its own, with a small environment: `PATH`, `HOME`, `LANG`,
/// `LC_ALL`, `TZ` and `TMPDIR` from Nightshift's own, the variables `inheritedEnvironment`
/// names, the job's `environment`, `PYTHONUNBUFFERED=1` unless set there (so that a Python
/// program's lines arrive as it prints them, and are kept if it is killed), and `NIGHTSHIFT_JOB`, `NIGHTSHIFT_RUN_ID`,
/// `NIGHTSHIFT_DRY_RUN` (`1` on a dry run), `NIGHTSHIFT_WINDOW_FROM` and `_TO` (ISO 8601) and
/// `NIGHTSHIFT_PARAM_<NAME>` for each param (upper-cased, `-` and `.` as `_`), and
/// `NIGHTSHIFT_RESULT_FILE`, where it may report progress, report lines and details
/// (``ResultFile``). Nothing else of Nightshift's environment (API
/// tokens, database URLs) reaches it. On cancellation or timeout its process group gets
/// SIGTERM, and SIGKILL five seconds later; when the program ends, whatever it left running in
/// its group gets SIGKILL, once the output has ended or a second has passed. When Nightshift
/// itself dies, even by SIGKILL, the group gets SIGKILL from its reaper (``CommandProcessGroup``).
public struct CommandJob: Sendable {
    /// The variables of Nightshift's own environment every program gets, when set.
    public static let baseEnvironment = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"]

    /// The program and its arguments; a program without `/` is looked up in `PATH`.
    public let command: [String]
    /// Extra environment variables.
    public let environment: [String: String]
    /// Names of further variables of Nightshift's own environment to pass on (`inherit_env:`).
    public let inheritedEnvironment: [String]
    /// The directory to run in; nil: the current one.
    public let workingDirectory: String?
    /// How many trailing lines of output go into the details.
    public let keptLines: Int

    /// A job that runs `command`.
    public init(
        command: [String], environment: [String: String] = [:], inheritedEnvironment: [String] = [],
        workingDirectory: String? = nil, keptLines: Int = 20
    ) {
        self.command = command
        self.environment = environment
        self.inheritedEnvironment = inheritedEnvironment
        self.workingDirectory = workingDirectory
        self.keptLines = keptLines
    }

    /// The work, for ``Job/init(name:schedule:description:enabled:kind:policies:body:)``.
    public var body: Job.Body {
        { context in try await self.run(context: context) }
    }

    /// The environment the program gets for the run `context` describes, from `parent`
    /// (Nightshift's own).
    public func environmentVariables(for context: JobContext, parent: [String: String]) -> [String: String] {
        var variables: [String: String] = [:]
        for name in Self.baseEnvironment + inheritedEnvironment {
            if let value = parent[name] { variables[name] = value }
        }
        variables.merge(environment) { _, configured in configured }
        if variables["PYTHONUNBUFFERED"] == nil { variables["PYTHONUNBUFFERED"] = "1" }
        variables["NIGHTSHIFT_JOB"] = context.jobName
        variables["NIGHTSHIFT_RUN_ID"] = context.runID.lowercasedText
        variables["NIGHTSHIFT_DRY_RUN"] = context.isDryRun ? "1" : "0"
        if let window = context.window {
            variables["NIGHTSHIFT_WINDOW_FROM"] = ISO8601Format.string(from: window.from)
            variables["NIGHTSHIFT_WINDOW_TO"] = ISO8601Format.string(from: window.to)
        }
        for (key, value) in context.params.entries {
            variables[ParamName.environmentName(key)] = value.plainText
        }
        return variables
    }

    private func run(context: JobContext) async throws -> JSONObject {
        guard let program = command.first else { throw MaintenanceError.commandNotStarted("", reason: "no program given") }
        var variables = environmentVariables(for: context, parent: ProcessInfo.processInfo.environment)
        let results = try ResultFile()
        variables["NIGHTSHIFT_RESULT_FILE"] = results.path
        // Progress and report lines reach the run while the program runs, read every 200 ms.
        let watcher = Task {
            while !Task.isCancelled {
                results.read(into: context)
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        defer {
            watcher.cancel()
            results.remove()
        }
        var options = PlatformOptions()
        // SIGTERM to the program, and (``CommandProcessGroup/terminate()``, on cancellation) to its
        // group, which the reaper leads; SIGKILL to the program 5 s later, to the group after it.
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: false, allowedDurationToNextStep: .seconds(5))]
        let capture = OutputCapture(keeping: keptLines)
        // Read when the attempt ends, however it ends: a failed, timed-out or cancelled program
        // keeps what it printed with its attempt.
        context.keepOutput(from: { capture.snapshot() })
        let reader = try OutputReader(into: capture)
        // Standard error has a pipe of its own, read into the same tail (in arrival order) and
        // into its own last line, which says why a program failed better than its last output.
        let errors = OutputCapture(keeping: 1)
        let errorReader = try OutputReader(into: capture, errors)
        let group = CommandProcessGroup()
        // The reaper's group, started just before the command, which joins it: there is no
        // moment in which the command runs without a reaper, and nothing between can throw.
        options.processGroupID = group.prepare() ?? 0
        let status: TerminationStatus
        do {
            status = try await withTaskCancellationHandler {
                try await Subprocess.run(
                    program.contains("/") ? .path(FilePath(program)) : .name(program),
                    arguments: Arguments(Array(command.dropFirst())),
                    environment: .custom(
                        Dictionary(uniqueKeysWithValues: variables.map { (Environment.Key(stringLiteral: $0), $1) })),
                    workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options, input: .none,
                    output: .fileDescriptor(FileDescriptor(rawValue: reader.writeEnd), closeAfterSpawningProcess: true),
                    error: .fileDescriptor(FileDescriptor(rawValue: errorReader.writeEnd), closeAfterSpawningProcess: true)
                ) { execution in
                    group.started(leader: execution.processIdentifier.value)
                }.terminationStatus
            } onCancel: {
                group.terminate()
            }
        } catch let error as SubprocessError {
            group.kill()
            await Self.finish([reader, errorReader], within: .zero)
            throw MaintenanceError.commandNotStarted(command.joined(separator: " "), reason: "\(error)")
        } catch {
            group.kill()
            await Self.finish([reader, errorReader], within: .seconds(1))
            throw error
        }
        // A background process may hold the output open after the program ended: a second for
        // the rest of the output, then the group goes.
        await Self.finish([reader, errorReader], within: .seconds(1))
        group.kill()
        let lines = capture.finish().lines
        watcher.cancel()
        results.read(into: context, final: true)
        try context.checkCancellation()
        switch status {
        case .exited(0):
            // Details the program reported through the result file are the run's; the output
            // tail stays with the attempt.
            return results.details ?? ["exitStatus": 0, "output": .string(lines.joined(separator: "\n"))]
        case .exited(let code):
            let lastError = errors.finish().lines.last { !$0.isEmpty }
            throw MaintenanceError.commandFailed(status: code, lastLine: lastError ?? lines.last ?? "")
        case .signaled(let signal):
            throw MaintenanceError.commandKilled(signal: signal)
        }
    }

    /// Lets `readers` read to the end of their output, all at once, for at most `limit`.
    private static func finish(_ readers: [OutputReader], within limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            for reader in readers { group.addTask { _ = await reader.finish(within: limit) } }
        }
    }
}
