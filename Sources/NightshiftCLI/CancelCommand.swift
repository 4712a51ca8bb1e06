import ArgumentParser
import Foundation
import Nightshift

/// `nightshift cancel RUN`: a queued run ends `cancelled` at once; a running one is stopped by
/// its worker at the next heartbeat.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a queued or running run (a running one stops at its next heartbeat).")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The run's id, or its first 8 or more characters.")
    var run: String

    func run() async throws {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let answer = try await app.withStore(logger: logger, migrating: false) { store -> String in
            let current = try await RunLookup.run(run, in: store)
            let id = current.id
            guard try await store.requestCancel(runID: id) else {
                throw ValidationError("run \(run) has already ended (\(current.status.rawValue))")
            }
            logger.notice(
                "[\(current.job)] cancel of run \(id.lowercasedText) asked by cli",
                metadata: ["job": "\(current.job)", "run": "\(id.lowercasedText)", "by": "cli"])
            return try await store.run(id: id)?.status == .cancelled ? "cancelled" : "cancelling"
        }
        print("\(run.lowercased()): \(answer)")
    }
}
