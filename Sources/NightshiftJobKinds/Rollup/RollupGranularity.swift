import Foundation

/// The size of a rollup bucket; each has its own target table (`<target>_hourly`, …).
public enum RollupGranularity: String, Sendable, CaseIterable {
    case hour, day, week, month

    /// The target table's suffix.
    public var tableSuffix: String {
        switch self {
        case .hour: return "_hourly"
        case .day: return "_daily"
        case .week: return "_weekly"
        case .month: return "_monthly"
        }
    }

    /// The details key for the number of buckets written: `hourlyBuckets`, ….
    var detailsKey: String { String(tableSuffix.dropFirst()) + "Buckets" }

    private var component: Calendar.Component {
        switch self {
        case .hour: return .hour
        case .day: return .day
        case .week: return .weekOfYear
        case .month: return .month
        }
    }

    /// `window` widened to whole buckets in `timeZone` (weeks start on Monday), so that no bucket
    /// is ever recomputed from part of its rows.
    func covering(_ window: (from: Date, to: Date), in timeZone: TimeZone) -> (from: Date, to: Date) {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        let start = calendar.dateInterval(of: component, for: window.from)?.start ?? window.from
        guard window.to > start else { return (start, start) }
        let last = calendar.dateInterval(of: component, for: window.to.addingTimeInterval(-0.001))
        return (start, last?.end ?? window.to)
    }
}
