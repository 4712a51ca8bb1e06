import Foundation

/// What Linux's `/proc` says about processes, for tests of programs that must not outlive
/// their run.
public enum ProcessState {
    /// Whether process `pid` runs: false when it is gone or a zombie (killed either way, and
    /// waiting for a parent that may never wait for it, such as a container's first process).
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let fields = statFields(of: "\(pid)") else { return false }
        return fields.first != "Z"
    }

    /// Whether process `pid` stops running within `seconds` (a bound far above the time it takes,
    /// so that a loaded machine does not fail it).
    public static func ends(_ pid: Int32, within seconds: Double = 60) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while isRunning(pid), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return !isRunning(pid)
    }

    /// How many children of this process have ended and not been waited for.
    public static func zombieChildren() -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard Int32(entry) != nil, let fields = statFields(of: entry), fields.count > 1 else { return false }
            return fields[0] == "Z" && Int32(fields[1]) == getpid()
        }.count
    }

    /// The fields of `/proc/<pid>/stat` after the command name: state, parent's pid, and so on.
    private static func statFields(of pid: String) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.range(of: ") ", options: .backwards)
        else { return nil }
        return stat[end.upperBound...].split(separator: " ")
    }
}
