import Foundation
import Nightshift
import Synchronization

/// What `nightshift run` prints: `[job] Completed. key=value` or `[job] Failed: reason`, one line
/// per day over a date range, a progress bar when standard output is a terminal, or JSON.
final class RunOutput: Sendable {
    private let job: String
    private let json: Bool
    private let days: Int
    private let timeZone: TimeZone
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private let lastBar = Mutex("")

    init(job: String, json: Bool, days: Int, timeZone: TimeZone) {
        self.job = job
        self.json = json
        self.days = days
        self.timeZone = timeZone
    }

    /// A plain `[job] text` line (not in JSON mode).
    func line(_ text: String) {
        guard !json else { return }
        print("[\(job)] \(text)")
    }

    /// Redraws the progress bar on a terminal.
    func progress(day: Int, percent: Int) {
        guard isTerminal, !json else { return }
        let overall = (Double(day) + Double(percent) / 100) / Double(days)
        let filled = Int(overall * 30)
        let bar =
            "\r[\(job)] [" + String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
            + "] \(Int(overall * 100))%" + (days > 1 ? " day \(day + 1)/\(days)" : "")
        lastBar.withLock { $0 = bar }
        FileHandle.standardOutput.write(Data(bar.utf8))
    }

    /// The line for one finished run.
    func finished(_ run: Run, day: Int) {
        guard !json else { return }
        if isTerminal, !lastBar.withLock({ $0 }).isEmpty {
            FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
        }
        let prefix = run.window.map { days > 1 ? "\($0.dayLabel(in: timeZone)) " : "" } ?? ""
        if run.status == .succeeded {
            line(prefix + "Completed." + (run.details.isEmpty ? "" : " \(run.details.summary)"))
        } else {
            line(prefix + "Failed: \(run.error ?? run.status.rawValue)")
        }
    }

    /// In JSON mode, the runs as `{"runs": [...]}`; otherwise a closing line for ranges.
    func summary(_ runs: [Run]) {
        if json {
            try? printJSON(RunListReport(runs: runs, limit: runs.count + 1))
        } else if days > 1 {
            let succeeded = runs.filter { $0.status == .succeeded }.count
            line("\(succeeded) of \(days) days completed.")
        }
    }
}
