import Foundation
import NightshiftSQL
import SQLKit

/// The CPU time of a PostgreSQL server on this machine: its postmaster and every process it
/// started, read from `/proc`, found through the backend serving this benchmark's connection.
struct PostgresServerCPU {
    let postmaster: Int32

    init(store: SQLJobStore) async throws {
        let backend = try await store.pool.withDatabase { database in
            try await database.raw("SELECT pg_backend_pid() AS pid").first()?.decode(column: "pid", as: Int32.self)
        }
        guard let backend, let parent = Self.stat(of: backend)?.parent else {
            throw BenchmarkError("the PostgreSQL server is not on this machine: its processes cannot be measured")
        }
        postmaster = parent
    }

    /// The server's CPU seconds so far (user and system, finished children not included).
    func cpuSeconds() throws -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry), let stat = Self.stat(of: pid) else { continue }
            if pid == postmaster || stat.parent == postmaster { total += stat.cpuTicks / ticks }
        }
        return total
    }

    /// A process's parent and CPU ticks, from `/proc/<pid>/stat`; nil when it is gone.
    private static func stat(of pid: Int32) -> (parent: Int32, cpuTicks: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After the command name: state, ppid, …; utime and stime are the 14th and 15th fields.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let parent = Int32(fields[1]), let user = Double(fields[11]), let system = Double(fields[12])
        else { return nil }
        return (parent, user + system)
    }
}
