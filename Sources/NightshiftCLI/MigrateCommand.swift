import ArgumentParser
import Foundation

/// `nightshift migrate`: creates or upgrades the store's schema.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the store's tables.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        try await app.withStore(logger: logger) { _ in }
        print(
            "store \(app.configuration.store.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)) is migrated"
        )
    }
}
