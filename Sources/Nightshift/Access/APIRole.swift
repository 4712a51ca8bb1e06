/// What a token of the admin API may do, as the config names it and the server checks it.
/// `admin` may do everything; `viewer` may read status and history;
/// `trigger` may start runs (what an outside cron or CI job needs, and nothing more).
public enum APIRole: String, Sendable, CaseIterable, Codable {
    case admin, viewer, trigger

    /// The roles that may read jobs, runs, their params, output and errors, and incidents: in
    /// the API and on the dashboard alike. A trigger token may only start runs.
    public static let readers: Set<APIRole> = [.admin, .viewer]
    /// The roles that may change things: pause, resume, cancel, retry.
    public static let actors: Set<APIRole> = [.admin]
    /// The roles that may start runs.
    public static let triggerers: Set<APIRole> = [.admin, .trigger]
}
