/// One number column a counter flush fills, and which counters hold its numbers.
///
/// With one key per counter, each key holds the only number of its row. In a hash layout a
/// row may have several numbers, told apart by the hash field's name: with
/// `values: { call_count: "{metric}", total_weight: "{metric}:weight" }`, the field
/// `GET_/usage` counts calls of `GET_/usage` and `GET_/usage:weight` adds up their weight.
public struct CounterValue: Sendable, Equatable {
    /// The column.
    public let column: String
    /// The text before the counter's name in the hash fields of this value.
    public let prefix: String
    /// The text after it.
    public let suffix: String

    /// The plain counter's number in `column`: each key, or each hash field, holds it as it is.
    public init(column: String) {
        (self.column, prefix, suffix) = (column, "", "")
    }

    /// The number in `column`, held in the hash fields named by `template`: the counter's name
    /// as `{field}` (the job's `hash_field`) with text before or after it, as in `{metric}:weight`.
    /// Throws ``CounterKeyPatternError`` when the template does not hold `{field}` once.
    public init(column: String, template: String, field: String) throws(CounterKeyPatternError) {
        let placeholder = "{\(field)}"
        let parts = template.split(separator: placeholder, omittingEmptySubsequences: false)
        guard parts.count == 2, !field.isEmpty else {
            throw CounterKeyPatternError(
                pattern: template, reason: "a value's hash fields must name the counter as \(placeholder), once")
        }
        (self.column, prefix, suffix) = (column, String(parts[0]), String(parts[1]))
    }

    /// The hash field holding this value of the counter `name`.
    public func hashField(of name: String) -> String { prefix + name + suffix }

    /// The counter's name when `hashField` holds this value; nil when it does not.
    func counterName(inHashField hashField: String) -> String? {
        guard hashField.count > prefix.count + suffix.count, hashField.hasPrefix(prefix), hashField.hasSuffix(suffix)
        else { return nil }
        return String(hashField.dropFirst(prefix.count).dropLast(suffix.count))
    }
}

extension [CounterValue] {
    /// The indices in the order hash fields are matched: the longest fixed text first, so
    /// `{metric}` does not take `{metric}:weight`'s fields.
    var matchOrder: [Int] {
        indices.sorted { self[$0].prefix.count + self[$0].suffix.count > self[$1].prefix.count + self[$1].suffix.count }
    }
}
