/// Rows printed as aligned columns, for the human output of `jobs`, `status` and `runs`.
struct TextTable {
    private var rows: [[String]]

    /// A table with a header row.
    init(header: [String]) {
        rows = [header]
    }

    /// Adds a row; a cell's line breaks show as `⏎`, so that every row stays one line (a
    /// command's multi-line output broke the table).
    mutating func append(_ row: [String]) {
        rows.append(row.map { $0.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ⏎ ") })
    }

    /// Every column padded to its widest cell; the last column is not padded.
    func render() -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
