/// Alerting: on the leader only, so instances do not race to notify, judges the alert
/// conditions and delivers due notifications (``AlertMonitor``) every check interval.
struct AlertChecks: UpkeepService {
    let monitor: AlertMonitor
    let interval: Duration
    let isLeader: @Sendable () -> Bool

    var name: String { "alert checks" }
    var period: Duration? { interval }

    func pass() async {
        guard isLeader() else { return }
        await monitor.pass()
    }
}
