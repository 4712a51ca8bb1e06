import Logging
import Nightshift

/// The log handler of `nightshift run`: a job's report lines (``JobContext/report(_:)``) go to
/// standard output as `[job] line`; everything else goes to standard error at the level the
/// user chose.
struct ReportLogHandler: LogHandler {
    let output: RunOutput
    var inner: any LogHandler
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level

    init(output: RunOutput, inner: any LogHandler) {
        self.output = output
        self.inner = inner
        // Report lines are notices; let them through whatever the user's level.
        logLevel = min(inner.logLevel, .notice)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.metadata?[JobContext.reportMetadataKey] != nil {
            output.line("\(event.message)")
        } else if event.level >= inner.logLevel {
            var forwarded = event
            forwarded.metadata = metadata.merging(event.metadata ?? [:]) { $1 }
            inner.log(event: forwarded)
        }
    }
}
