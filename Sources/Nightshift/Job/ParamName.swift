/// The rule for the names of a run's params (and that their text holds no NUL), checked where
/// params come in (the admin API, the dashboard's run form, `nightshift run --param`).
///
/// A command job gets each param as `NIGHTSHIFT_PARAM_<NAME>`: names that differ only in case
/// or punctuation (`a` and `A`, `day-1` and `day_1`) became one variable, and a NUL cut a name
/// short.
public enum ParamName {
    /// The longest name.
    public static let maximumLength = 64

    /// The environment variable a command job gets `name` in: `NIGHTSHIFT_PARAM_` and the name
    /// upper-cased, with `-` and `.` as `_`.
    public static func environmentName(_ name: String) -> String {
        "NIGHTSHIFT_PARAM_"
            + String(
                String.UnicodeScalarView(
                    name.uppercased().unicodeScalars.map { ("A"..."Z").contains($0) || ("0"..."9").contains($0) ? $0 : "_" }))
    }

    /// What is wrong with the names of `params`, or a value whose text holds a NUL (which no
    /// program's environment can carry), naming the first bad one; nil when all are fine.
    public static func problem(in params: JSONObject) -> String? {
        var seen: [String: String] = [:]
        for (name, _) in params.entries {
            guard !name.isEmpty, name.unicodeScalars.count <= maximumLength,
                name.unicodeScalars.allSatisfy({
                    ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
                })
            else {
                return
                    "param name '\(name.debugDescription.dropFirst().dropLast())' must be 1 to \(maximumLength) letters, digits, '-', '_' or '.'"
            }
            let variable = environmentName(name)
            if let other = seen[variable] {
                return "params '\(other)' and '\(name)' differ only in case or punctuation (both would be \(variable))"
            }
            seen[variable] = name
            if case .string(let text) = params[name], text.unicodeScalars.contains("\0") {
                return "param '\(name)' holds a NUL character, which no program's environment can carry"
            }
        }
        return nil
    }
}
