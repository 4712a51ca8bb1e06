/// Where a run is in its life: `queued` → `running` → `succeeded` | `failed` | `cancelled`;
/// a failed attempt with attempts left goes back to `queued`; out of attempts it is `discarded`;
/// a fire dropped by the overlap policy is `skipped`.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled, discarded, skipped

    /// Whether the run is over and will not change again by itself.
    public var isFinished: Bool { self != .queued && self != .running }

    /// Whether the run ended in failure (`failed` or `discarded`).
    public var isFailure: Bool { self == .failed || self == .discarded }

    /// The statuses a filter for `status` finds: `failed` finds every failure, `discarded`
    /// (its retries ran out) included; any other status only itself.
    public static func found(by status: RunStatus) -> Set<RunStatus> {
        status == .failed ? [.failed, .discarded] : [status]
    }
}

/// What created a run.
public enum RunTrigger: String, Sendable, Codable, CaseIterable {
    /// A fire of the job's schedule.
    case schedule
    /// `nightshift run` or a call from code.
    case manual
    /// The admin HTTP API.
    case api
    /// A person retrying a finished run.
    case retry
    /// One day of a date range.
    case backfill
}
