import Foundation
import Nightshift

/// The time spans a chart offers: the last hour by minute, the last day by quarter hour, the
/// last week by two hours (read from the kept hourly statistics).
enum ChartWindow: String, CaseIterable {
    case hour = "1h"
    case day = "24h"
    case week = "7d"

    /// The window named in a `window` query parameter; the last hour when absent or unknown.
    init(query: String?) { self = query.flatMap(ChartWindow.init(rawValue:)) ?? .hour }

    /// Its length in seconds.
    var seconds: Double {
        switch self {
        case .hour: 3600
        case .day: 86_400
        case .week: 7 * 86_400
        }
    }

    /// The seconds a bar covers.
    var bucketSeconds: Int {
        switch self {
        case .hour: 60
        case .day: 900
        case .week: 7200
        }
    }

    /// "the last hour", for sentences.
    var phrase: String {
        switch self {
        case .hour: "the last hour"
        case .day: "the last 24 hours"
        case .week: "the last 7 days"
        }
    }

    /// "per minute", for chart titles.
    var perBar: String {
        switch self {
        case .hour: "per minute"
        case .day: "per 15 minutes"
        case .week: "per 2 hours"
        }
    }
}
