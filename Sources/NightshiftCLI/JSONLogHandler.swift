import Foundation
import Logging
import Nightshift

/// Logs one JSON object per line to standard error, for Loki, CloudWatch or Datadog:
/// `{"time":"2026-11-30T03:00:00.123Z","level":"info","message":"…","job":"…","run":"…",…}`,
/// the event's metadata as fields of the object. `NIGHTSHIFT_LOG_FORMAT=json` chooses it.
struct JSONLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: JSONObject = [
            "time": .string(ISO8601Format.string(from: Date())),
            "level": .string(event.level.rawValue), "message": .string("\(event.message)"), "logger": .string(label),
        ]
        if let error = event.error { object["error"] = .string("\(error)") }
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) where object[key] == nil {
            object[key] = Self.json(value)
        }
        FileHandle.standardError.write(Data((object.jsonText + "\n").utf8))
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let value): return .string(value.description)
        case .array(let items): return .array(items.map(json))
        case .dictionary(let entries):
            var object = JSONObject()
            for (key, item) in entries.sorted(by: { $0.key < $1.key }) { object[key] = json(item) }
            return .object(object)
        }
    }
}
