import ArgumentParser
import Foundation

/// `nightshift resume JOB`: undoes `pause`.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused job: its next fire is scheduled and its queued runs go on.")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The job.")
    var job: String

    func run() async throws {
        try await PauseCommand.setPaused(job, paused: false, options: options)
    }
}
