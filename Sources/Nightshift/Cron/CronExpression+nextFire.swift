import Foundation

extension CronExpression {
    /// The first instant strictly after `date` at which this expression fires in `timeZone`.
    ///
    /// DST follows Debian cron. A job at set times (see ``firesAtSetTimes``) whose wall-clock time
    /// falls in a skipped hour fires at the first instant after the gap, and in a repeated hour it
    /// fires once, on the first pass. Any other job fires at every instant whose wall-clock time
    /// matches: twice in a repeated hour, never in a skipped one.
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        let after = Int64(date.timeIntervalSince1970.rounded(.down))
        // Wall-clock order and real-time order differ around a DST change, so near one the search
        // starts early by the size of the change and keeps the earliest instant after `date`.
        let lookBehind = abs(
            Int64(timeZone.secondsFromGMT(for: date.addingTimeInterval(86_400)))
                - Int64(timeZone.secondsFromGMT(for: date.addingTimeInterval(-86_400))))
        var best: Int64?
        var naive = nextMatch(fromNaive: after + Int64(timeZone.secondsFromGMT(for: date)) - lookBehind)
        while let wallClock = naive {
            let mapping = LocalTimeMapping(naive: wallClock, timeZone: timeZone)
            if let best, mapping.earliestPossibleInstant > best { break }
            for instant in instants(for: mapping) where instant > after {
                best = min(best ?? instant, instant)
            }
            naive = nextMatch(fromNaive: wallClock + 1)
        }
        return best.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    private func instants(for mapping: LocalTimeMapping) -> [Int64] {
        switch mapping.instants.count {
        case 0:
            return firesAtSetTimes ? [mapping.endOfGap] : []
        case 1:
            return mapping.instants
        default:
            return firesAtSetTimes ? [mapping.instants[0]] : mapping.instants
        }
    }
}

/// The real instants that one wall-clock time stands for in a time zone: none in a DST gap,
/// two in a repeated hour, one otherwise.
struct LocalTimeMapping {
    /// The instants, earliest first.
    let instants: [Int64]
    /// When `instants` is empty: the first instant after the gap.
    let endOfGap: Int64
    /// No instant of this wall-clock time can be earlier than this.
    let earliestPossibleInstant: Int64

    init(naive: Int64, timeZone: TimeZone) {
        func offset(at instant: Int64) -> Int64 {
            Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
        }
        // The offsets in force a day before and a day after cover any single DST change.
        let offsetBefore = offset(at: naive - 86_400)
        let offsetAfter = offset(at: naive + 86_400)
        var found: [Int64] = []
        for candidateOffset in [offsetBefore, offsetAfter] {
            let instant = naive - candidateOffset
            if offset(at: instant) == candidateOffset, !found.contains(instant) { found.append(instant) }
        }
        instants = found.sorted()
        earliestPossibleInstant = naive - max(offsetBefore, offsetAfter)
        guard found.isEmpty else {
            endOfGap = 0
            return
        }
        // In a gap the clock jumps forward: find the transition between the two candidates.
        var low = naive - offsetAfter  // still under the old offset
        var high = naive - offsetBefore  // already under the new offset
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == offsetBefore { low = middle } else { high = middle }
        }
        endOfGap = high
    }
}
