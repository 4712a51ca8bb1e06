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

    /// Throws for the first key, in file order, that nothing asked for.
    func finish() throws(ConfigError) {
        for entry in entries where !asked.contains(entry.name) {
            throw ConfigError(
                file: node.file, line: entry.line, key: entry.value.key,
                reason: "unknown key; expected one of \(asked.sorted().joined(separator: ", "))")
        }
    }
}
