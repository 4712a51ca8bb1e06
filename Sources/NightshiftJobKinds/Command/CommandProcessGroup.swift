import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The process group a command runs in, and its reaper: a tiny shell in the same group that
/// kills the whole group when Nightshift dies, however it dies.
///
/// Linux offers no portable way to tie a child to its parent's life from `posix_spawn` (the
/// parent-death signal needs code between fork and exec, which swift-subprocess does not run).
/// So the reaper waits on a pipe whose only writer is Nightshift: when Nightshift ends, even by
/// SIGKILL, the kernel closes that end, the reaper's `read` returns, and it SIGKILLs the group,
/// itself included. It ignores SIGTERM, SIGINT and SIGHUP, so that it outlives the graceful part
/// of a timeout or cancel; the group's final SIGKILL, sent by ``kill()``, ends it with the rest.
/// Leading the group, it also keeps the group's number from being reused before ``kill()``.
///
/// The reaper starts first and the command joins its group: a reaper started after the command
/// left a moment in which a Nightshift killed right after the start (seen under load) left the
/// command running for good.
final class CommandProcessGroup: Sendable {
    private struct State {
        var groupID: pid_t = 0
        var reaper: pid_t = 0
        var reaperPipe: Int32 = -1
    }

    private static let reaperScript = "trap '' TERM INT HUP; read -r line; kill -9 0"
    private let state = Mutex(State())

    /// Starts the reaper in a new group of its own, which it leads; returns the group for the
    /// command to join. Nil when the reaper cannot start (no descriptors left): the command then
    /// runs in a group of its own, unguarded, as before reapers, and that is not an error.
    func prepare() -> pid_t? {
        state.withLock { state -> pid_t? in
            // Only the reaper's standard input may hold the read end, and only Nightshift the write end.
            guard case .success(let ends) = CloseOnExecPipe.make() else { return nil }
            defer { close(ends.read) }
            guard let reaper = Self.spawnReaper(input: ends.read) else {
                close(ends.write)
                return nil
            }
            state.groupID = reaper
            state.reaper = reaper
            state.reaperPipe = ends.write
            return reaper
        }
    }

    /// Records the command's group when it leads one of its own (no reaper could start).
    func started(leader: pid_t) {
        state.withLock { state in
            if state.groupID == 0 { state.groupID = leader }
        }
    }

    /// SIGTERM to every process in the group but the reaper, which ignores it: the graceful part
    /// of a timeout or cancel, for the command's own children too.
    func terminate() {
        let group = state.withLock { $0.groupID }
        if group > 0 { _ = Glibc.kill(-group, SIGTERM) }
    }

    /// SIGKILL to every process left in the group, the reaper with them; waits for the reaper.
    func kill() {
        let (group, reaper, reaperPipe) = state.withLock { state in
            defer { state = State() }
            return (state.groupID, state.reaper, state.reaperPipe)
        }
        if group > 0 { _ = Glibc.kill(-group, SIGKILL) }
        if reaper > 0 {
            var status: Int32 = 0
            while waitpid(reaper, &status, 0) == -1 && errno == EINTR {}
        }
        if reaperPipe >= 0 { close(reaperPipe) }
    }

    /// Starts `sh` running the reaper script in a new group it leads, reading `input`; nil when
    /// it cannot.
    private static func spawnReaper(input: Int32) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let words: [String] = ["nightshift-reaper", "-c", reaperScript]
        let argv = words.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // No environment: nothing of Nightshift's (tokens, passwords) is needed to wait and kill.
        let environment: [UnsafeMutablePointer<CChar>?] = [nil]
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environment) == 0 else { return nil }
        return pid
    }
}
