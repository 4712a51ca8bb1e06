/// One duty an engine performs beside scheduling and working, pass after pass: heartbeats,
/// orphan rescue, pruning, statistics, alerts, listening for new runs.
///
/// A service handles and logs its own errors: a pass that fails is tried again at the next one.
/// Adding one is a file with its type and a line in ``NightshiftEngine``'s list of services.
protocol UpkeepService: Sendable {
    /// Its name, for the log.
    var name: String { get }
    /// The time between two passes when nothing wakes the service sooner; nil for a service
    /// whose one pass lasts until it is cancelled (listening).
    var period: Duration? { get }
    /// Whether the engine runs a pass before it starts scheduling and working (the first
    /// heartbeat, a rescue of what a crash left behind).
    var passesAtStart: Bool { get }
    /// Checks the service's settings, with an error that names the setting.
    func validate() throws(UpkeepSettingError)
    /// One pass.
    func pass() async
}

extension UpkeepService {
    var passesAtStart: Bool { false }
    func validate() throws(UpkeepSettingError) {
        if let period, period <= .zero { throw UpkeepSettingError(setting: "\(name) period", value: period) }
    }
}
