extension String {
    /// The text with NUL characters replaced by U+FFFD, so that a store can keep it:
    /// PostgreSQL's `text` cannot hold NUL, and one job's error with a NUL in it (read from a
    /// socket or a C library) made the whole batch of endings it was written with fail.
    var storable: String {
        guard utf8.contains(0) else { return self }
        return String(unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) })
    }
}
