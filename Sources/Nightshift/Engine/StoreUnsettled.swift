/// The store failed or hung too recently for orphan rescue: live instances may not have been
/// able to heartbeat their runs yet.
struct StoreUnsettled: Error, CustomStringConvertible {
    /// How long ago the last failure was (zero while a call hangs).
    let failedAgo: Duration

    var description: String {
        "the store failed or hung \(DurationText.format(failedAgo.inSeconds)) ago; live instances may not have heartbeated yet"
    }
}
