import Foundation
import Nightshift

/// The `command` job kind: runs a program with arguments and environment, and fails when it
/// exits non-zero.
///
/// Details are `exitStatus` and `output`, the last lines of its standard output and error. The
/// program also gets `NIGHTSHIFT_JOB`, `NIGHTSHIFT_RUN_ID`, `NIGHTSHIFT_DRY_RUN` (`1` on a dry
/// run), `NIGHTSHIFT_WINDOW_FROM` and `_TO` (ISO 8601) and `NIGHTSHIFT_PARAM_<NAME>` for each
/// param. On cancellation or timeout its process group gets SIGTERM, and SIGKILL five seconds
/// later.
public struct CommandJob: Sendable {
    /// The program and its arguments; a program without `/` is looked up in `PATH`.
    public let command: [String]
    /// Extra environment variables.
    public let environment: [String: String]
    /// The directory to run in; nil: the current one.
    public let workingDirectory: String?
    /// How many trailing lines of output go into the details.
    public let keptLines: Int

    /// A job that runs `command`.
    public init(command: [String], environment: [String: String] = [:], workingDirectory: String? = nil, keptLines: Int = 20) {
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.keptLines = keptLines
    }

    /// The work, for ``Job/init(name:schedule:description:enabled:kind:policies:body:)``.
    public var body: Job.Body {
        { context in try await self.run(context: context) }
    }

    private func run(context: JobContext) async throws -> JSONObject {
        let process = Process()
        let executable = command[0]
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = Array(command.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = command
        }
        var variables = ProcessInfo.processInfo.environment.merging(environment) { _, configured in configured }
        variables["NIGHTSHIFT_JOB"] = context.jobName
        variables["NIGHTSHIFT_RUN_ID"] = context.runID.lowercasedText
        variables["NIGHTSHIFT_DRY_RUN"] = context.isDryRun ? "1" : "0"
        if let window = context.window {
            variables["NIGHTSHIFT_WINDOW_FROM"] = ISO8601Format.string(from: window.from)
            variables["NIGHTSHIFT_WINDOW_TO"] = ISO8601Format.string(from: window.to)
        }
        for (key, value) in context.params.entries {
            variables["NIGHTSHIFT_PARAM_\(key.uppercased())"] = value.plainText
        }
        process.environment = variables
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        do {
            try process.run()
        } catch {
            throw MaintenanceError.commandNotStarted(command.joined(separator: " "), reason: "\(error)")
        }
        let output = OutputTail(keeping: keptLines)
        let reader = Thread {
            while case let data = pipe.fileHandleForReading.availableData, !data.isEmpty {
                output.append(data)
            }
            output.finish()
        }
        reader.start()
        await withTaskCancellationHandler {
            for await _ in exited.stream {}
        } onCancel: {
            Self.stop(process)
        }
        let lines = await output.lines()
        try context.checkCancellation()
        let lastLine = lines.last ?? ""
        if process.terminationReason == .uncaughtSignal {
            throw MaintenanceError.commandKilled(signal: process.terminationStatus)
        }
        guard process.terminationStatus == 0 else {
            throw MaintenanceError.commandFailed(status: process.terminationStatus, lastLine: lastLine)
        }
        return ["exitStatus": .number(Double(process.terminationStatus)), "output": .string(lines.joined(separator: "\n"))]
    }

    /// SIGTERM now, SIGKILL five seconds later, to the program's whole process group (Foundation
    /// starts each program as a group leader), so that its children stop too and release the
    /// output pipe.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        let group = -process.processIdentifier
        kill(group, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
            kill(group, SIGKILL)
        }
    }
}
