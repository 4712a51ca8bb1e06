import Foundation
import Nightshift
import Subprocess
import SystemPackage

/// `kind: command`: a program given the event's JSON on standard input; exit status 0 means
/// delivered.
///
/// It runs with a minimal environment (`PATH`, `HOME`, `LANG`, and `NIGHTSHIFT_ALERT_EVENT`,
/// `NIGHTSHIFT_ALERT_STATE`, `NIGHTSHIFT_ALERT_ID`), is stopped after `timeout`, and its output
/// is discarded.
public struct CommandChannel: AlertChannel {
    public let name: String
    /// The program and its arguments.
    public let command: [String]
    private let timeout: Duration

    /// A channel running `command` (program first).
    public init(name: String, command: [String], timeout: Duration = .seconds(30)) {
        self.name = name
        self.command = command
        self.timeout = timeout
    }

    public func deliver(_ event: AlertEvent, payload: String, notificationID: UUID) async throws {
        guard let program = command.first else { throw AlertChannelError(channel: name, reason: "the command is empty") }
        let environment = ProcessInfo.processInfo.environment
        var variables: [Environment.Key: String?] = [
            "NIGHTSHIFT_ALERT_EVENT": event.event, "NIGHTSHIFT_ALERT_STATE": event.state.rawValue,
            "NIGHTSHIFT_ALERT_ID": notificationID.lowercasedText,
        ]
        for key in ["PATH", "HOME", "LANG"] { variables[Environment.Key(stringLiteral: key)] = environment[key] }
        let environmentVariables = variables.compactMapValues { $0 }
        let arguments = Array(command.dropFirst())
        let channel = name
        let limit = timeout
        // Standard input is a file holding the event, not a pipe written while the program runs:
        // swift-subprocess traps when a program exits without reading its piped input.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-alert-\(UUID().uuidString).json")
        do {
            try Data(payload.utf8).write(to: file)
        } catch {
            throw AlertChannelError(channel: name, reason: "could not write the event for \(program): \(error)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let input: FileDescriptor
        do {
            input = try FileDescriptor.open(FilePath(file.path), .readOnly)
        } catch {
            throw AlertChannelError(channel: name, reason: "could not read the event back for \(program): \(error)")
        }
        let status = try await withThrowingTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask {
                var options = PlatformOptions()
                options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
                do {
                    return try await Subprocess.run(
                        program.contains("/") ? .path(FilePath(program)) : .name(program),
                        arguments: Arguments(arguments), environment: .custom(environmentVariables), platformOptions: options,
                        input: .fileDescriptor(input, closeAfterSpawningProcess: true), output: .discarded,
                        error: .discarded
                    ).terminationStatus
                } catch let error as SubprocessError {
                    throw AlertChannelError(channel: channel, reason: "could not start \(program): \(error)")
                }
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch status {
        case .exited(0): return
        case .exited(let code): throw AlertChannelError(channel: name, reason: "\(program) exited with status \(code)")
        case .signaled(let signal): throw AlertChannelError(channel: name, reason: "\(program) was killed by signal \(signal)")
        case nil:
            throw AlertChannelError(channel: name, reason: "\(program) did not end within \(limit); stopped")
        }
    }
}
