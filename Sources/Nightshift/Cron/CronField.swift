/// One field of a cron expression: the set of values it allows, kept as a bit set.
///
/// `startsWithStar` records whether the text began with `*`; Vixie cron's day-of-month /
/// day-of-week rule and Debian cron's DST rule both look at it.
struct CronField: Equatable, Sendable {
    /// What a field is called in messages, its range, and the names it accepts.
    struct Kind: Sendable {
        let name: String
        let range: ClosedRange<Int>
        let names: [String: Int]

        static let second = Kind(name: "second", range: 0...59, names: [:])
        static let minute = Kind(name: "minute", range: 0...59, names: [:])
        static let hour = Kind(name: "hour", range: 0...23, names: [:])
        static let dayOfMonth = Kind(name: "day-of-month", range: 1...31, names: [:])
        static let month = Kind(
            name: "month", range: 1...12,
            names: [
                "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
            ])
        /// Day of week accepts 0-7 where both 0 and 7 mean Sunday.
        static let dayOfWeek = Kind(
            name: "day-of-week", range: 0...7,
            names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])
    }

    private(set) var bits: UInt64 = 0
    let startsWithStar: Bool

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    /// The smallest allowed value that is `>= value`, if any.
    func first(atLeast value: Int, upTo limit: Int) -> Int? {
        var candidate = value
        while candidate <= limit {
            if contains(candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    /// Parses one field such as `*/15`, `1-5`, `mon-fri`, `0,30` or `jan-jun/2`.
    init(parsing text: String, kind: Kind) throws(CronError) {
        let lowered = text.lowercased()
        startsWithStar = lowered.hasPrefix("*")
        guard !lowered.isEmpty else { throw CronError(field: kind.name, reason: "is empty") }
        for part in lowered.split(separator: ",", omittingEmptySubsequences: false) {
            try add(part: String(part), kind: kind)
        }
        if kind.name == Kind.dayOfWeek.name, contains(7) {
            bits |= 1  // 7 is another name for Sunday (0)
        }
    }

    private mutating func add(part: String, kind: Kind) throws(CronError) {
        guard !part.isEmpty else { throw CronError(field: kind.name, reason: "has an empty list item") }
        let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else {
            throw CronError(field: kind.name, reason: "'\(part)' has more than one '/'")
        }
        var step = 1
        if pieces.count == 2 {
            guard let parsed = Int(pieces[1]), parsed > 0 else {
                throw CronError(field: kind.name, reason: "step '\(pieces[1])' must be a positive number")
            }
            step = parsed
        }
        let rangeText = String(pieces[0])
        let low: Int
        let high: Int
        if rangeText == "*" {
            (low, high) = (kind.range.lowerBound, kind.range.upperBound)
        } else if let dash = rangeText.firstIndex(of: "-") {
            low = try Self.value(String(rangeText[..<dash]), kind: kind)
            high = try Self.value(String(rangeText[rangeText.index(after: dash)...]), kind: kind)
            guard low <= high else {
                throw CronError(field: kind.name, reason: "range \(rangeText) runs backwards")
            }
        } else {
            low = try Self.value(rangeText, kind: kind)
            // `5/10` means "from 5 to the end, every 10", as in Vixie cron.
            high = pieces.count == 2 ? kind.range.upperBound : low
        }
        for value in stride(from: low, through: high, by: step) {
            bits |= 1 << UInt64(value)
        }
    }

    private static func value(_ text: String, kind: Kind) throws(CronError) -> Int {
        if let named = kind.names[text] { return named }
        guard let number = Int(text) else {
            throw CronError(field: kind.name, reason: "'\(text)' is not a number" + (kind.names.isEmpty ? "" : " or a name"))
        }
        guard kind.range.contains(number) else {
            throw CronError(
                field: kind.name,
                reason: "\(number) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
        }
        return number
    }
}
