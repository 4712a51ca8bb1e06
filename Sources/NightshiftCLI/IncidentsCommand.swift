import ArgumentParser
import Foundation
import Nightshift

/// `nightshift incidents`: open incidents (or all, newest first) and their notifications.
struct IncidentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents", abstract: "Open alert incidents (--all: resolved ones too) and their notifications.")

    @OptionGroup var options: CommonOptions

    @Flag(help: "Resolved incidents too, newest first.")
    var all = false

    @Option(help: "How many incidents.")
    var limit = 50

    func run() async throws {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let incidents = try await app.withStore(logger: logger, migrating: false) { store in
            try await IncidentReport.list(store: store, all: all, limit: max(1, min(limit, 1000)))
        }
        if options.json { return try printJSON(IncidentListReport(incidents: incidents)) }
        guard !incidents.isEmpty else {
            print(all ? "no incidents" : "no open incidents")
            return
        }
        var table = TextTable(header: ["STATE", "CONDITION", "SUBJECT", "OPENED", "RESOLVED", "NOTIFIED", "DETAIL"])
        let times = options.times
        for incident in incidents {
            let delivered = incident.notifications.filter { $0.deliveredAt != nil }.count
            let failed = incident.notifications.filter { $0.failedAt != nil }.count
            var notified = "\(delivered)/\(incident.notifications.count)"
            if failed > 0 { notified += " (\(failed) failed)" }
            table.append([
                incident.resolvedAt == nil ? "OPEN" : "resolved", incident.condition.rawValue, incident.subject,
                times.text(incident.openedAt, zone: "UTC"), times.text(incident.resolvedAt, zone: "UTC"), notified,
                incident.detail.summary,
            ])
        }
        print(table.render())
    }
}
