import Logging

/// Keeps the run statistics (the charts' counts and durations) up to a few seconds ago. Every
/// instance tries, so that they are kept even where no instance schedules; the store moves the
/// mark only from where it found it, so instances trying at once wait for each other and add
/// nothing twice. A store that never kept them catches up a week, an hour of runs per
/// transaction.
struct RunStatisticsKeeping: UpkeepService {
    /// How far behind the statistics stay and how much one transaction adds.
    struct Configuration: Sendable {
        /// Runs that ended within this of now wait for the next pass, so a run recorded late
        /// (a completion batch in flight) is still counted.
        var lag = RunStatistics.lag
        /// The span of ended runs one transaction adds.
        var span: Duration = .seconds(3600)
    }

    let configuration: Configuration
    let store: any RunStatisticsStore
    let logger: Logger

    var name: String { "run statistics" }
    var period: Duration? { configuration.lag }

    func validate() throws(UpkeepSettingError) {
        if configuration.lag <= .zero { throw UpkeepSettingError(setting: "statistics lag", value: configuration.lag) }
        if configuration.span <= .zero { throw UpkeepSettingError(setting: "statistics span", value: configuration.span) }
    }

    func pass() async {
        do {
            let before = try await store.databaseNow().addingTimeInterval(-configuration.lag.inSeconds)
            var mark = try await store.summarizeFinishedRuns(before: before, span: configuration.span)
            while mark < before, !Task.isCancelled {
                let next = try await store.summarizeFinishedRuns(before: before, span: configuration.span)
                // Another instance moved the mark meanwhile: it carries on.
                guard next > mark else { break }
                mark = next
            }
        } catch  where !Task.isCancelled {
            logger.warning("keeping run statistics failed", metadata: ["error": "\(error)"])
        } catch {
            // Stopping: the next start carries on from the mark.
        }
    }
}
