import Foundation

/// The frame the dashboard's charts are drawn in: a plot area with room for labels on the left
/// (the value axis, from zero to the top value) and below (the time axis).
struct ChartFrame {
    /// The whole SVG's width and height.
    let width = 720.0
    let height: Double
    /// Room for the value labels on the left and the time labels below.
    let left = 64.0
    let bottom = 18.0

    /// The plot area's width.
    var plotWidth: Double { width - left }
    /// The plot area's height (bars leave 4 units free above the tallest).
    var plotHeight: Double { height - bottom }

    /// `value` with one decimal, as SVG coordinates take it.
    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The axes: a line for each, the value axis labelled `top` and `0` (or `bottomValue`),
    /// and `ticks` (position from 0 to 1 along the time axis, label) below.
    func axes(top: String, bottomValue: String = "0", ticks: [(position: Double, label: String)]) -> HTML {
        let baseline = Self.number(plotHeight)
        var marks: [HTML] = [
            "<line class=\"axis\" x1=\"\(Self.number(left))\" y1=\"0\" x2=\"\(Self.number(left))\" y2=\"\(baseline)\"></line>",
            "<line class=\"axis\" x1=\"\(Self.number(left))\" y1=\"\(baseline)\" x2=\"\(Self.number(width))\" y2=\"\(baseline)\"></line>",
            "<text class=\"axis\" x=\"\(Self.number(left - 4))\" y=\"10\" text-anchor=\"end\">\(top)</text>",
            "<text class=\"axis\" x=\"\(Self.number(left - 4))\" y=\"\(baseline)\" text-anchor=\"end\">\(bottomValue)</text>",
        ]
        for tick in ticks {
            let x = left + tick.position * plotWidth
            let anchor = tick.position <= 0 ? "start" : tick.position >= 1 ? "end" : "middle"
            marks.append(
                "<text class=\"axis\" x=\"\(Self.number(x))\" y=\"\(Self.number(height - 4))\" text-anchor=\"\(anchor)\">\(tick.label)</text>"
            )
        }
        return HTML(joining: marks)
    }
}
