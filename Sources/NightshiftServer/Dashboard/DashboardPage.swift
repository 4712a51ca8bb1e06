/// One page's title, the navigation entry it belongs to, its content, and whether it refreshes
/// itself (every two seconds, through the dashboard's script).
struct DashboardPage: Sendable {
    var title: String
    var section: String
    var content: HTML
    var live = true
}
