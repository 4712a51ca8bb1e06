import Foundation
import Nightshift

/// Runs per time bucket stacked by outcome, as an SVG drawn on the server (no script, no
/// outside library).
enum RunChart {
    /// The outcomes in stacking order, with their CSS class.
    static let outcomes: [RunStatus] = [.succeeded, .failed, .discarded, .cancelled, .skipped]

    /// The chart of `buckets` from `from` to `to`, a bar every `bucketSeconds` (`perBar` says so in words).
    static func svg(_ buckets: [FinishedRunBucket], from: Date, to: Date, bucketSeconds: Int, perBar: String = "per minute")
        -> HTML
    {
        let width = 720.0
        let height = 160.0
        let slots = max(1, Int((to.timeIntervalSince(from) / Double(bucketSeconds)).rounded(.up)))
        var stacks = Array(repeating: [RunStatus: Int](), count: slots)
        for bucket in buckets {
            let slot = Int(bucket.start.timeIntervalSince(from) / Double(bucketSeconds))
            guard slot >= 0, slot < slots else { continue }
            stacks[slot][bucket.status, default: 0] += bucket.count
        }
        let highest = max(1, stacks.map { $0.values.reduce(0, +) }.max() ?? 1)
        let barWidth = width / Double(slots)
        var bars: [HTML] = []
        for (slot, stack) in stacks.enumerated() {
            var top = height
            for outcome in outcomes {
                guard let count = stack[outcome], count > 0 else { continue }
                let barHeight = Double(count) / Double(highest) * (height - 10)
                top -= barHeight
                let x = String(format: "%.1f", Double(slot) * barWidth)
                let y = String(format: "%.1f", top)
                let w = String(format: "%.1f", max(1, barWidth - 1))
                let h = String(format: "%.1f", barHeight)
                bars.append(
                    "<rect class=\"\(outcome.rawValue)\" x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\"><title>\(count) \(outcome.rawValue)</title></rect>"
                )
            }
        }
        let legend = outcomes.map { outcome -> HTML in "<span class=\"legend \(outcome.rawValue)\">\(outcome.rawValue)</span>" }
        return """
            <figure class="chart"><svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="Runs \(perBar) by outcome; the tallest bar is \(highest) runs">\(bars)</svg>
            <figcaption>\(legend) · tallest bar: \(highest) runs</figcaption></figure>
            """
    }
}
