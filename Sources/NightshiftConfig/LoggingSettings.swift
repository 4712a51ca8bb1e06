import Logging

/// The `logging:` section: how the log is written. `NIGHTSHIFT_LOG_FORMAT` and
/// `NIGHTSHIFT_LOG_LEVEL` override it, `--verbose` overrides the level.
///
/// ```yaml
/// logging:
///   format: json    # text (default) or json: one object per line, for Loki, CloudWatch, Datadog
///   level: notice   # trace, debug, info, notice, warning, error or critical
/// ```
public struct LoggingSettings: Equatable, Sendable {
    /// How each event is written.
    public enum Format: String, CaseIterable, Sendable {
        /// A line of text.
        case text
        /// One JSON object per line.
        case json
    }

    /// The format the file asks for; nil: the default, text.
    public var format: Format?
    /// The least severe events written; nil: the command's default.
    public var level: Logger.Level?

    /// Neither format nor level set.
    public init() {}

    init(node: ConfigNode?) throws(ConfigError) {
        guard let node else { return }
        let fields = try ConfigFields(node)
        format = try fields["format"]?.choice(Format.self)
        level = try fields["level"]?.choice(Logger.Level.self)
        try fields.finish()
    }
}
