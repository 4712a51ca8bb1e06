import ArgumentParser
import Foundation
import Nightshift

/// `nightshift alerts test CHANNEL`: sends a test event to a channel of the config, at once.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Alert channels.", subcommands: [AlertsTestCommand.self])
}

/// Sends a test event to one channel, or to every channel, and says whether it was taken.
struct AlertsTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Send a test event to a channel of 'alerts.channels' (all of them without a name).")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The channel's name.")
    var channel: String?

    func run() async throws {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let channels = app.configuration.alerts.channels
        guard !channels.isEmpty else { throw ValidationError("the config has no 'alerts.channels'") }
        let names =
            try channel.map { name in
                guard channels[name] != nil else {
                    throw ValidationError(
                        "no channel named '\(name)' in 'alerts.channels' (\(channels.keys.sorted().joined(separator: ", ")))")
                }
                return [name]
            } ?? channels.keys.sorted()
        var failed = false
        for name in names {
            guard let target = channels[name] else { continue }
            let id = UUID.version7()
            let event = AlertEvent(
                event: "test", state: .open, incident: id.lowercasedText,
                summary: "Test alert from nightshift: channel '\(name)' is reached.",
                at: ISO8601Format.string(from: Date()), instance: ProcessInfo.processInfo.hostName,
                url: app.configuration.server.publicURL)
            do {
                try await target.deliver(event, payload: event.encoded(), notificationID: id)
                print("\(name): delivered")
            } catch {
                failed = true
                print("\(name): not delivered: \(error)")
            }
        }
        if failed { throw ExitCode.failure }
    }
}
