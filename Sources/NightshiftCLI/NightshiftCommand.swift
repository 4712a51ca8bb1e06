import ArgumentParser
import Foundation
import Nightshift
import NightshiftDatabase
import NightshiftConfig
import NightshiftSQL

/// `nightshift`: the command line. Exit status 0 ok, 1 a job failed or is unhealthy, 2 bad usage
/// or bad config.
public struct NightshiftCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "nightshift",
        abstract: "Cron scheduler and durable job queue with run history, on SQLite or PostgreSQL.",
        version: NightshiftVersion.current,
        subcommands: [
            ServeCommand.self, RunCommand.self, JobsCommand.self, RunsCommand.self, StatusCommand.self,
            CheckCommand.self, MigrateCommand.self, IncidentsCommand.self, AlertsCommand.self, PauseCommand.self,
            ResumeCommand.self, CancelCommand.self, RetryCommand.self,
        ])

    public init() {}

    /// Parses `arguments` (without the program name), runs the command, and returns the exit
    /// status; messages go to standard output and standard error.
    public static func main(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch let error where isBadInput(error) {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            return 2
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                return 0
            }
            FileHandle.standardError.write(Data("\(message)\n".utf8))
            // Argument errors are usage errors: exit 2, like most Unix tools.
            return code == .validationFailure || error is ValidationError ? 2 : 1
        }
    }

    /// Errors in what the user wrote (config, cron, URLs, dates): exit status 2.
    private static func isBadInput(_ error: any Error) -> Bool { error is any BadInput }
}
