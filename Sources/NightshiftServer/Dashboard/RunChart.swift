import Foundation
import Nightshift

/// Runs per time bucket stacked by outcome, as an SVG drawn on the server (no script, no
/// outside library), with a time axis (UTC) and a runs axis.
enum RunChart {
    /// The outcomes in stacking order, with their CSS class.
    static let outcomes: [RunStatus] = [.succeeded, .failed, .discarded, .cancelled, .skipped]

    /// The chart of `buckets` from `from` to `to`, a bar every `bucketSeconds` (`perBar` says so in words).
    static func svg(_ buckets: [FinishedRunBucket], from: Date, to: Date, bucketSeconds: Int, perBar: String = "per minute")
        -> HTML
    {
        let frame = ChartFrame(height: 180)
        let span = to.timeIntervalSince(from)
        let slots = max(1, Int((span / Double(bucketSeconds)).rounded(.up)))
        var stacks = Array(repeating: [RunStatus: Int](), count: slots)
        for bucket in buckets {
            let slot = Int(bucket.start.timeIntervalSince(from) / Double(bucketSeconds))
            guard slot >= 0, slot < slots else { continue }
            stacks[slot][bucket.status, default: 0] += bucket.count
        }
        let highest = max(1, stacks.map { $0.values.reduce(0, +) }.max() ?? 1)
        let barWidth = frame.plotWidth / Double(slots)
        var bars: [HTML] = []
        for (slot, stack) in stacks.enumerated() {
            var top = frame.plotHeight
            for outcome in outcomes {
                guard let count = stack[outcome], count > 0 else { continue }
                let barHeight = Double(count) / Double(highest) * (frame.plotHeight - 4)
                top -= barHeight
                let x = ChartFrame.number(frame.left + Double(slot) * barWidth)
                let y = ChartFrame.number(top)
                let w = ChartFrame.number(max(1, barWidth - 1))
                let h = ChartFrame.number(barHeight)
                let start = from.addingTimeInterval(Double(slot * bucketSeconds))
                bars.append(
                    "<rect class=\"\(outcome.rawValue)\" x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\"><title>\(count) \(outcome.rawValue) from \(Dashboard.time(start))</title></rect>"
                )
            }
        }
        // Five times along the axis, to the minute; with the date when the chart spans days.
        let ticks = (0...4).map { step -> (position: Double, label: String) in
            let time = Dashboard.time(from.addingTimeInterval(span * Double(step) / 4))
            let label = span > 86_400 ? String(time.dropFirst(5).prefix(11)) : String(time.dropFirst(11).prefix(5))
            return (Double(step) / 4, label)
        }
        let runs = highest == 1 ? "1 run" : "\(highest) runs"
        let axes = frame.axes(top: runs, ticks: ticks)
        let legend = outcomes.map { outcome -> HTML in "<span class=\"legend \(outcome.rawValue)\">\(outcome.rawValue)</span>" }
        return """
            <figure class="chart"><svg viewBox="0 0 \(Int(frame.width)) \(Int(frame.height))" role="img" aria-label="Runs \(perBar) by outcome, \(Dashboard.time(from)) to \(Dashboard.time(to)); the tallest bar is \(runs)">\(axes)\(bars)</svg>
            <figcaption>\(legend) · runs \(perBar), times in UTC · tallest bar: \(runs)</figcaption></figure>
            """
    }
}
