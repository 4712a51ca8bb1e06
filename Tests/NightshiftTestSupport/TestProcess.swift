import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A program a test starts: in a process group of its own, with no signal blocked or ignored
/// (whatever the test process's threads block or ignore), its output in a file.
///
/// Foundation's `Process` starts programs with the calling thread's signal mask, and the test
/// process's threads block the signals service lifecycle handles: a server or browser started
/// that way ignored SIGTERM and outlived the test run. Stop what you start whatever the test's
/// outcome, with `defer { process.kill() }`: it kills the whole group (a browser's driver and
/// the browser, a shell and its children) and waits for the program.
public final class TestProcess: Sendable {
    /// The program's process id, which is also its process group's.
    public let processIdentifier: Int32
    /// The program and its arguments, for messages.
    public let arguments: [String]
    private let ended = Mutex<Int32?>(nil)

    /// Starts `program` with `arguments` in `directory` (the test's own when nil), with
    /// `environment` added to the test process's own, its standard output and error appended to
    /// `output` (created when missing; discarded when nil) and its standard input empty.
    public init(
        _ program: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
        output: String? = nil
    ) throws {
        self.arguments = [program] + arguments
        // Glibc's posix_spawn_file_actions_addchdir_np is not in Swift's Glibc module: a shell
        // changes folder, then becomes the program (the same process).
        let argumentsToSpawn =
            directory.map { ["/bin/sh", "-c", #"cd -- "$0" && exec "$@""#, $0, program] + arguments } ?? [program] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allDefault = sigset_t()
        sigfillset(&allDefault)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allDefault)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let variables = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        let argv = argumentsToSpawn.map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, argumentsToSpawn[0], &actions, &attributes, argv, envp)
        guard result == 0 else { throw StartFailed(arguments: self.arguments, code: result) }
        processIdentifier = pid
    }

    /// Whether the program still runs (an ended program is waited for here, so none is left a zombie).
    public var isRunning: Bool { status() == nil }

    /// The program's exit status; 128 plus the signal's number when a signal ended it; nil while it runs.
    public func status() -> Int32? {
        ended.withLock { ended in
            var status: Int32 = 0
            if ended == nil, waitpid(processIdentifier, &status, WNOHANG) == processIdentifier {
                ended = Self.exitStatus(status)
            }
            return ended
        }
    }

    /// Blocks the calling thread until the program ends, and answers its exit status (as
    /// ``status()``); for programs that end by themselves, waited for on a thread of their own.
    @discardableResult
    public func waitForExit() -> Int32 {
        ended.withLock { ended in
            if let ended { return ended }
            var status: Int32 = 0
            while waitpid(processIdentifier, &status, 0) == -1 && errno == EINTR {}
            let code = Self.exitStatus(status)
            ended = code
            return code
        }
    }

    /// A `waitpid` status as an exit status: the program's own, or 128 plus the signal's number.
    private static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Sends `signal` to the program alone (not its group), as a supervisor's stop would.
    public func send(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(processIdentifier, signal) }
    }

    /// Waits for the program to end, without holding a thread of the concurrency pool, and
    /// answers its exit status; after `seconds` kills its group and throws ``StillRunning``.
    public func exitStatus(within seconds: Double = 120) async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            if let status = status() { return status }
            guard ContinuousClock.now < deadline else {
                kill()
                throw StillRunning(arguments: arguments, seconds: seconds)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SIGKILL to the program's whole group, then waits for the program: what a test's `defer`
    /// calls so that nothing it started outlives it.
    public func kill() {
        _ = Glibc.kill(-processIdentifier, SIGKILL)
        waitForExit()
    }

    /// A program that could not be started.
    public struct StartFailed: Error, CustomStringConvertible {
        /// The program and its arguments.
        public let arguments: [String]
        /// `posix_spawn`'s error number.
        public let code: Int32
        public var description: String { "cannot start \(arguments.joined(separator: " ")): \(String(cString: strerror(code)))" }
    }

    /// A program that did not end in time; it has been killed.
    public struct StillRunning: Error, CustomStringConvertible {
        /// The program and its arguments.
        public let arguments: [String]
        /// How long it was waited for.
        public let seconds: Double
        public var description: String {
            "\(arguments.joined(separator: " ")) did not end within \(Int(seconds)) s, and was killed"
        }
    }
}
