import ArgumentParser

/// `nightshift runs`: run history (`runs list`, the default) and one run's story (`runs show`).
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Run history, newest first; `runs show RUN` tells one run's story.",
        subcommands: [RunsListCommand.self, RunsShowCommand.self], defaultSubcommand: RunsListCommand.self)
}
