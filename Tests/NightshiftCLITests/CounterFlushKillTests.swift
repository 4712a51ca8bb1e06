import NightshiftDatabase
import Foundation
import Logging
import NightshiftRedis
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

@Suite(
    "counter-flush under SIGKILL",
    .requiresRedis, .requiresPostgres)
struct CounterFlushKillTests {
    @Test("SIGKILL of `nightshift run` at random points of a counter flush loses no count and counts none twice")
    func killedFlush() async throws {
        try await TestRedis.withPrefix { redis, prefix in
            let base = try DatabaseURL(try TestServices.url(of: .postgres))
            try await ScratchDatabase.with(beside: base, prefix: "flush_kill", logger: Logger(label: "flush-kill")) { url in
                let cli = try Nightshift()
                defer { cli.cleanUp() }
                let job = "flush-\(prefix.dropLast())"
                let config = try cli.write(
                    config: """
                        databases: { app: "\(url)" }
                        redis: { hits: "\(try TestRedis.url())" }
                        jobs:
                          \(job):
                            kind: counter-flush
                            overlap: allow
                            redis: hits
                            keys: "\(prefix)hits:{page}"
                            database: app
                            table: page_hits
                            total: __all__
                            batch_size: 100
                        """)
                var expected: [String: Int64] = [:]
                func count(_ pages: Range<Int>) async throws {
                    var commands: [[String]] = []
                    for page in pages {
                        let amount = Int64(page % 7 + 1)
                        commands.append(["INCRBY", "\(prefix)hits:p\(page)", String(amount)])
                        expected["p\(page)", default: 0] += amount
                    }
                    _ = try await redis.pipeline(commands)
                }
                try await count(0..<20_000)
                let pool = try await SQLConnectionPool.open(try DatabaseURL(url), logger: Logger(label: "flush-kill"))
                var killedMidway = 0
                for round in 0..<8 {
                    let (process, _) = try cli.start(["run", job, "--config", config])
                    // Killed once this run has written counts, a random moment later: counted from
                    // the process's start, a loaded machine's slow start-up once left every kill
                    // before the flush, and a quick one every kill after it.
                    let before = try await hitRows(pool)
                    let begun = ContinuousClock.now + .seconds(30)
                    while process.isRunning, ContinuousClock.now < begun, try await hitRows(pool) == before {
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...20)))
                    kill(process.processIdentifier, SIGKILL)
                    _ = try await process.exitStatus()
                    // Killed midway: some counts are in the table, some keys are still in Redis.
                    let flushedRows = try await hitRows(pool)
                    var live = 0
                    for try await keys in redis.scan(match: "\(prefix)hits:*") { live += keys.count }
                    if flushedRows > 0 && live > 0 { killedMidway += 1 }
                    // Apps keep counting while flushes die: some of the same pages, some new.
                    try await count((round * 1000)..<(round * 1000 + 3000))
                }
                let final = try await cli.run(["run", job, "--config", config])
                #expect(final.status == 0, "\(final.output)")
                #expect(killedMidway > 0)
                let stored = try await pool.withDatabase { db in
                    try await db.raw("SELECT page, value FROM page_hits").all().map {
                        (try $0.decode(column: "page", as: String.self), try $0.decode(column: "value", as: Int64.self))
                    }
                }
                await pool.close()
                let table = Dictionary(stored, uniquingKeysWith: +)
                #expect(table.filter { $0.key != "__all__" } == expected)
                #expect(table["__all__"] == expected.values.reduce(0, +))
                var left: [String] = []
                for try await keys in redis.scan(match: "\(prefix)hits:*") { left += keys }
                for try await keys in redis.scan(match: "nightshift:pending:\(job):*") { left += keys }
                #expect(left.isEmpty)
            }
        }
    }

    /// The sum of the counts in `page_hits` (0 before the job created it).
    func hitRows(_ pool: SQLConnectionPool) async throws -> Int {
        try await pool.withDatabase { db in
            guard
                try await db.raw("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'page_hits'").first()?.decode(
                    column: "n", as: Int.self) == 1
            else { return 0 }
            return try await db.raw("SELECT CAST(COALESCE(sum(value), 0) AS BIGINT) AS n FROM page_hits").first()?.decode(
                column: "n", as: Int.self)
                ?? 0
        }
    }
}
