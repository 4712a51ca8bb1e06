import Foundation
import Nightshift

/// One job's recent runs, oldest to newest, as bars as tall as each run took and coloured by
/// its outcome, with p50 and p95: how the job's duration and outcome go over time. An SVG drawn
/// on the server, like ``RunChart``.
enum DurationChart {
    /// The chart of `runs` (newest first, as the store lists them); runs that have not ended are left out.
    static func svg(_ runs: [Run]) -> HTML {
        let ended = runs.reversed().compactMap { run -> (run: Run, seconds: Double)? in
            guard run.status.isFinished, run.status != .skipped, let start = run.startedAt, let end = run.endedAt else {
                return nil
            }
            return (run, max(0, end.timeIntervalSince(start)))
        }
        guard let first = ended.first, let last = ended.last else { return "<p>No run has ended yet.</p>" }
        let frame = ChartFrame(height: 140)
        let durations = ended.map(\.seconds)
        // The bars are drawn against at least a millisecond; the caption says the real longest.
        let longest = max(0.001, durations.max() ?? 0)
        let barWidth = frame.plotWidth / Double(ended.count)
        var bars: [HTML] = []
        for (index, entry) in ended.enumerated() {
            let barHeight = max(1, entry.seconds / longest * (frame.plotHeight - 4))
            let x = ChartFrame.number(frame.left + Double(index) * barWidth)
            let y = ChartFrame.number(frame.plotHeight - barHeight)
            let w = ChartFrame.number(max(1, barWidth - 1))
            let h = ChartFrame.number(barHeight)
            bars.append(
                "<rect class=\"\(entry.run.status.rawValue)\" x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\"><title>\(entry.run.status.rawValue) in \(seconds(entry.seconds)), ended \(Dashboard.time(entry.run.endedAt))</title></rect>"
            )
        }
        // Runs are evenly spaced, oldest on the left: the axis names when the first and last ended.
        let axes = frame.axes(
            top: seconds(longest),
            ticks: [
                (0, "\(String(Dashboard.time(first.run.endedAt).prefix(16))) UTC"),
                (1, "\(String(Dashboard.time(last.run.endedAt).prefix(16))) UTC"),
            ])
        let legend = RunChart.outcomes.filter { $0 != .skipped }.map { outcome -> HTML in
            "<span class=\"legend \(outcome.rawValue)\">\(outcome.rawValue)</span>"
        }
        let span = "\(Dashboard.time(first.run.endedAt)) to \(Dashboard.time(last.run.endedAt))"
        return """
            <figure class="chart"><svg viewBox="0 0 \(Int(frame.width)) \(Int(frame.height))" role="img" aria-label="Run time of the last \(ended.count) runs by outcome; the longest took \(seconds(longest))">\(axes)\(bars)</svg>
            <figcaption>\(legend) · \(ended.count) runs, \(span) · p50 \(seconds(Self.percentile(0.5, of: durations))), p95 \(seconds(Self.percentile(0.95, of: durations))), longest \(seconds(durations.max()))</figcaption></figure>
            """
    }

    /// The exact `fraction` percentile of `values` by nearest rank: one of the values, so never
    /// above the longest.
    static func percentile(_ fraction: Double, of values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    /// `value` seconds for people: milliseconds under a second.
    static func seconds(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value < 1 ? "\(Int((value * 1000).rounded())) ms" : DurationText.format((value * 10).rounded() / 10)
    }
}
