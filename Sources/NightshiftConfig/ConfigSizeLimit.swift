import Yams

/// Bounds a config before it is read: how many values it holds once its aliases are expanded,
/// and how deep it nests. A few lines of YAML whose aliases repeat an anchor nine times over
/// (a "billion laughs") expand to hundreds of millions of values: an `http` job's `body:` of
/// that kind took `check` to 2.75 GB.
enum ConfigSizeLimit {
    /// The most values (scalars, lists and mappings, aliases counted as expanded) a config holds.
    static let values = 200_000
    /// The deepest nesting of lists and mappings.
    static let depth = 64

    /// Throws naming the first line past a bound. Stops counting there, so a bomb costs no more
    /// than the bound.
    static func check(_ root: Node, file: String) throws(ConfigError) {
        var counted = 0
        var stack: [(node: Node, depth: Int)] = [(root, 1)]
        while let (node, depth) = stack.popLast() {
            counted += 1
            let line = node.mark.map { $0.line }
            guard counted <= values else {
                throw ConfigError(
                    file: file, line: line, key: "",
                    reason:
                        "the config holds more than \(values) values once its aliases (*name) are expanded; repeat a part less often"
                )
            }
            guard depth <= Self.depth else {
                throw ConfigError(file: file, line: line, key: "", reason: "lists and mappings nest more than \(Self.depth) deep")
            }
            if let mapping = node.mapping {
                for (key, value) in mapping { stack.append((key, depth + 1)); stack.append((value, depth + 1)) }
            } else if let sequence = node.sequence {
                for item in sequence { stack.append((item, depth + 1)) }
            }
        }
    }
}
