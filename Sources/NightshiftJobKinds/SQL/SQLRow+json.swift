import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

extension SQLRow {
    /// The row as a JSON object, column by column: numbers, booleans, instants (as ISO 8601)
    /// and text as themselves, anything else as null.
    var jsonObject: JSONObject {
        var object = JSONObject()
        for column in allColumns {
            object[column] = jsonValue(of: column)
        }
        return object
    }

    private func jsonValue(of column: String) -> JSONValue {
        if (try? decodeNil(column: column)) == true { return .null }
        if let value = try? decode(column: column, as: Int.self) { return .number(Double(value)) }
        if let value = try? decode(column: column, as: Double.self) { return .number(value) }
        if let value = try? decode(column: column, as: Bool.self) { return .bool(value) }
        if let value = try? decode(column: column, as: Date.self) { return .string(ISO8601Format.string(from: value)) }
        if let value = try? decode(column: column, as: String.self) { return .string(value) }
        return .null
    }
}
