import Foundation
import Hummingbird

/// A form's fields (`application/x-www-form-urlencoded`), read with a size bound.
///
/// Decoded here rather than through `URLComponents`: setting its `percentEncodedQuery` to text
/// that is not valid percent-encoding traps, and a form body is anyone's input.
enum DashboardForm {
    /// The largest form accepted.
    static let maximumSize = 64 * 1024

    /// The fields of `request`'s body; the last of a repeated field wins.
    static func read(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: maximumSize)
        return parse(String(buffer: body))
    }

    /// The fields of `text`: `name=value` pairs joined by `&`, `+` for a space, `%XX` for a
    /// byte. A pair whose escapes are not valid UTF-8 percent-encoding is left out.
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), !name.isEmpty else { continue }
            guard let value = parts.count > 1 ? decode(parts[1]) : "" else { continue }
            fields[name] = value
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
