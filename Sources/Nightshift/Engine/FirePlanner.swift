import Foundation

/// Decides which fires of a schedule to materialize on a scheduler tick: the pure part of the
/// scheduler, tested without a database.
///
/// Fires in `(watermark, now]` are due. Those at most `onTimeTolerance` old are on time; older
/// ones are missed. `catch_up: none` runs the newest fire if it is on time, `latest` the newest
/// whether on time or missed, `all` every due fire within the starting deadline (up to
/// `max_catch_up`). The watermark moves to the newest due fire, so each fire is considered once.
///
/// A tick normally finds one due fire per job: several mean the scheduler did not run for a
/// while (a restart, a leader's failover). `none` and `latest` then run one fire, not every
/// fire of the tolerance: after a restart the quick start's every-10-seconds job ran three at
/// once, and `overlap: forbid` recorded two of them as skipped behind a run that had not existed.
enum FirePlanner {
    /// The fires to record and the watermark to store.
    struct Plan: Equatable {
        var fires: [Date]
        var watermark: Date?
        /// Due fires the policy will not run, oldest first (at most ``missedListLimit``).
        var missed: [Date] = []
        /// Fires not run that are not in ``missed``: older than the starting deadline, or past
        /// the list's limit.
        var missedUnlisted = 0

        /// Every due fire that will not run.
        var dropped: Int { missed.count + missedUnlisted }
    }

    /// The most missed fires recorded one by one (as `skipped` runs) in one plan; older ones are
    /// only counted.
    static let missedListLimit = 1000

    static let defaultStartingDeadline: Duration = .seconds(7 * 86_400)

    static func plan(
        schedule: Schedule, policies: JobPolicies, watermark: Date?, now: Date, onTimeTolerance: Duration,
        active: Bool
    ) -> Plan {
        // A new job starts from now; a paused or disabled one lets its fires pass.
        guard let watermark, active else { return Plan(fires: [], watermark: max(watermark ?? now, now)) }
        let deadline = (policies.startingDeadline ?? defaultStartingDeadline).inSeconds
        // A fire exactly `deadline` old is still within it.
        let start = max(watermark, now.addingTimeInterval(-deadline - 0.000_001))
        let due = schedule.fires(after: start, through: now, limit: 1_000_000)
        guard let newest = due.last else { return Plan(fires: [], watermark: watermark) }
        let firstOnTime = due.firstIndex(where: { now.timeIntervalSince($0) <= onTimeTolerance.inSeconds }) ?? due.count
        let onTime = due[firstOnTime...]
        var fires: [Date]
        switch policies.catchUp {
        case .none: fires = Array(onTime.suffix(1))
        case .latest: fires = [newest]
        case .all: fires = Array(due.suffix(max(policies.maxCatchUp, onTime.count)))
        }
        // The fires kept are always the newest due ones; the rest will never run.
        // Fires older than the deadline are never run either.
        let beyondDeadline = watermark < start ? schedule.fires(after: watermark, through: start, limit: 1_000_000) : []
        let missed = beyondDeadline + due.dropLast(fires.count)
        let listed = Array(missed.suffix(missedListLimit))
        return Plan(
            fires: fires, watermark: newest, missed: listed, missedUnlisted: missed.count - listed.count)
    }
}
