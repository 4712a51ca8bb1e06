import ArgumentParser
import Foundation
import Nightshift

/// `nightshift pause JOB`: its fires are not scheduled and its queued runs wait, on every
/// instance, until `resume`.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause a job: its fires are not scheduled and its queued runs wait.")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The job.")
    var job: String

    func run() async throws {
        try await Self.setPaused(job, paused: true, options: options)
    }

    /// Pauses or resumes `name` in the store, registering it first when no engine has yet.
    static func setPaused(_ name: String, paused: Bool, options: CommonOptions) async throws {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let job = try app.job(named: name)
        try await app.withStore(logger: logger, migrating: false) { store in try await store.setPaused(job, paused: paused) }
        logger.notice("[\(name)] \(paused ? "paused" : "resumed") by cli", metadata: ["job": "\(name)", "by": "cli"])
        print("\(name): \(paused ? "paused" : "resumed")")
    }
}
