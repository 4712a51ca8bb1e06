/// What a token of the admin API may do, as the config names it and the server checks it.
/// `admin` may do everything; `viewer` may read status and history;
/// `trigger` may start runs (what an outside cron or CI job needs, and nothing more).
public enum APIRole: String, Sendable, CaseIterable, Codable {
    case admin, viewer, trigger
}
