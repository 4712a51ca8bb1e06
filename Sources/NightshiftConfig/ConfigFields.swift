import Yams

/// The keys of one mapping of the config, read by name. Every key asked for is recorded, read
/// or absent, so that ``finish()`` refuses exactly the keys nothing reads, naming the ones it
/// would have read: an accepted key is always a read key, and no list of allowed keys can drift
/// from the code that reads them.
final class ConfigFields {
    /// The mapping itself.
    let node: ConfigNode
    private let entries: [(name: String, line: Int?, value: ConfigNode)]
    private let values: [String: ConfigNode]
    private var asked: Set<String> = []

    /// The keys of `node`; throws unless it is a mapping of plain keys.
    init(_ node: ConfigNode) throws(ConfigError) {
        guard let mapping = node.node.mapping else { throw node.error("expected a mapping of keys to values") }
        var entries: [(name: String, line: Int?, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.scalar?.string else { throw node.error("keys must be plain text") }
            entries.append((name, keyNode.mark?.line, node.child(valueNode, name)))
        }
        self.node = node
        self.entries = entries
        values = Dictionary(entries.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The value of `key`, if given.
    subscript(key: String) -> ConfigNode? {
        asked.insert(key)
        return values[key]
    }

    /// The value of `key`; throws `reason` at the mapping when it is missing.
    func required(_ key: String, _ reason: @autoclosure () -> String) throws(ConfigError) -> ConfigNode {
        guard let value = self[key] else { throw node.error(reason()) }
        return value
    }

    /// Throws for every key, in file order, that nothing asked for, suggesting the nearest known
    /// key for a misspelt one (`schedul` → `schedule`).
    func finish() throws(ConfigError) {
        let unknown = entries.filter { !asked.contains($0.name) }.map { entry in
            var reason = "unknown key; expected one of \(asked.sorted().joined(separator: ", "))"
            if let nearest = Self.nearest(to: entry.name, among: asked) { reason += " (did you mean '\(nearest)'?)" }
            return ConfigError(file: node.file, line: entry.line, key: entry.value.key, reason: reason)
        }
        if let error = ConfigError.combining(unknown) { throw error }
    }

    /// The key of `known` within two edits of `name` (a letter missing, extra, changed or two
    /// swapped), the closest first; nil when none is that close.
    static func nearest(to name: String, among known: Set<String>) -> String? {
        let scored = known.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }.filter { $0.1 <= 2 }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    /// Levenshtein's distance between `a` and `b`, counting a swap of neighbours as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
