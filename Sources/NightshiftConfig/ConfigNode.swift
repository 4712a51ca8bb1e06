import Foundation
import Nightshift
import NightshiftJobKinds
import Yams

/// A node of the YAML file with where it stands (file, line, dotted key), so that every
/// reading error names the place to fix. Scalars get `${ENV}` interpolation when read.
struct ConfigNode {
    let node: Node
    let file: String
    let key: String
    let environment: [String: String]
    /// Where unset variables are recorded when the config is read without its environment; nil
    /// when an unset variable is an error.
    var unset: UnsetVariables? = nil

    var line: Int? { node.mark.map { $0.line } }

    /// Whether this value, read already, took a stand-in for an unset variable: checks of its
    /// form (a URL's) are skipped, so that the fields after it are still read and checked.
    var readsUnsetVariable: Bool {
        guard let unset, let text = node.scalar?.string else { return false }
        return unset.isRead(in: text)
    }

    /// An error at this node; marked ``ConfigError/readsUnsetVariable`` when the value reads a
    /// variable that stood in for an unset one.
    func error(_ reason: String) -> ConfigError {
        var error = ConfigError(file: file, line: line, key: key, reason: reason)
        error.readsUnsetVariable = readsUnsetVariable
        return error
    }

    /// The node `node` under key `name` of this one.
    func child(_ node: Node, _ name: String) -> ConfigNode {
        ConfigNode(
            node: node, file: file, key: key.isEmpty ? name : "\(key).\(name)", environment: environment, unset: unset)
    }

    /// The entries of a mapping, in file order; throws for anything but a mapping, and for keys
    /// outside `allowed` when it is given.
    func mapping(allowed: Set<String>? = nil) throws(ConfigError) -> [(name: String, value: ConfigNode)] {
        guard let mapping = node.mapping else { throw error("expected a mapping of keys to values") }
        var entries: [(name: String, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.scalar?.string else { throw error("keys must be plain text") }
            let entry = child(valueNode, name)
            if let allowed, !allowed.contains(name) {
                throw ConfigError(
                    file: file, line: keyNode.mark?.line, key: entry.key,
                    reason: "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
            entries.append((name, entry))
        }
        return entries
    }

    /// A file or folder path: relative ones are read from the config file's folder, wherever
    /// the command runs (`status --config other/nightshift.yml` used to create an empty store
    /// beside the caller).
    func path() throws(ConfigError) -> String {
        Self.resolve(try string(), against: file)
    }

    /// `path` from the folder of the file `configFile`, unless it is absolute already. A
    /// config named relatively (`sub/nightshift.yml`) gives paths relative the same way
    /// (`sub/nightshift.db`), both read from the current folder.
    static func resolve(_ path: String, against configFile: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        let folder = (configFile as NSString).deletingLastPathComponent
        guard !folder.isEmpty else { return path }
        return (folder as NSString).appendingPathComponent(path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// A database URL read as ``DatabaseEntry/url(_:)`` does, with an `sqlite:` file path
    /// resolved like ``path()`` (`:memory:` stays as it is).
    static func resolvingSQLitePath(_ url: String, against configFile: String) -> String {
        guard url.hasPrefix("sqlite:") else { return url }
        var path = String(url.dropFirst("sqlite:".count))
        // `sqlite:///var/x.db` is the absolute path `/var/x.db`.
        if path.hasPrefix("//") { path.removeFirst(2) }
        guard !path.isEmpty, path != ":memory:" else { return url }
        return "sqlite:" + resolve(path, against: configFile)
    }

    /// The node as JSON: mappings as objects (in file order), sequences as arrays, and scalars
    /// as text after interpolation, except plain `true`, `false`, `null` and numbers.
    func jsonValue() throws(ConfigError) -> JSONValue {
        if node.mapping != nil {
            var object = JSONObject()
            for (name, value) in try mapping() { object[name] = try value.jsonValue() }
            return .object(object)
        }
        if node.sequence != nil { return .array(try sequence().map { item throws(ConfigError) in try item.jsonValue() }) }
        let text = try string()
        // A quoted scalar stays text: "true" in quotes is the word, not the boolean.
        if node.scalar?.style == .plain {
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default: if let number = Double(text), number.isFinite { return .number(number) }
            }
        }
        return .string(text)
    }

    /// The items of a sequence.
    func sequence() throws(ConfigError) -> [ConfigNode] {
        guard let sequence = node.sequence else { throw error("expected a list") }
        return sequence.enumerated().map { child($0.element, "\($0.offset)") }
    }

    /// A scalar as text, after `${NAME}` and `${NAME:-default}` interpolation from the
    /// environment. An unset variable without a default is an error, never an empty string.
    func string() throws(ConfigError) -> String {
        guard let scalar = node.scalar else { throw error("expected a single value") }
        var text = scalar.string
        var output = ""
        while let start = text.range(of: "${") {
            guard let end = text[start.upperBound...].firstIndex(of: "}") else {
                throw error("'${' without a closing '}'")
            }
            output += text[..<start.lowerBound]
            let expression = String(text[start.upperBound..<end])
            let parts = expression.components(separatedBy: ":-")
            let name = parts[0]
            if let value = environment[name] {
                output += value
            } else if parts.count > 1 {
                output += parts.dropFirst().joined(separator: ":-")
            } else if let unset {
                output += unset.standIn(for: name)
            } else {
                throw error("environment variable \(name) is not set (write ${\(name):-default} for a default)")
            }
            text = String(text[text.index(after: end)...])
        }
        return output + text
    }

    func bool() throws(ConfigError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("'\(other)' is not true or false")
        }
    }

    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let text = try string()
        guard let value = Int(text), range.contains(value) else {
            throw error("'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A duration such as `30s`, `10m`, `90d`, within `range` (in seconds).
    func duration(in range: ClosedRange<Double>) throws(ConfigError) -> Duration {
        let duration = try self.duration()
        guard range.contains(duration.inSeconds) else {
            throw error(
                "\(DurationText.format(duration.inSeconds)) is not from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))"
            )
        }
        return duration
    }

    /// A duration such as `30s`, `10m`, `90d`.
    func duration() throws(ConfigError) -> Duration {
        let text = try string()
        do {
            return .seconds(try DurationText.seconds(text))
        } catch {
            throw self.error(error.description)
        }
    }

    /// One of the raw values of `T`.
    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws(ConfigError) -> T where T.RawValue == String {
        let text = try string()
        guard let value = T(rawValue: text) else {
            throw error("'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// A mapping of names to text.
    func stringMap() throws(ConfigError) -> [String: String] {
        var map: [String: String] = [:]
        for (name, value) in try mapping() { map[name] = try value.string() }
        return map
    }

    /// A table or column name, checked to be a plain identifier.
    func sqlName(qualified: Bool = false) throws(ConfigError) -> SQLName {
        let text = try string()
        do {
            return try SQLName(text, qualified: qualified)
        } catch {
            throw self.error(error.description)
        }
    }
}
