import Foundation
import Logging
import Nightshift
import NightshiftRedis
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Synchronization
import Testing

@testable import NightshiftJobKinds

@Suite("counter-flush", .requiresRedis)
struct CounterFlushJobTests {
    private func flushContext(job: String, dryRun: Bool = false, params: JSONObject = [:]) -> JobContext {
        JobContext(
            jobName: job, runID: .version7(), attempt: 1, scheduledFor: nil, isDryRun: dryRun, window: nil, params: params,
            logger: Logger(label: "flush-test"), progress: { _ in })
    }

    private func rows(_ app: AppDatabase, _ sql: SQLQueryString) async throws -> [String] {
        try await app.pool.withDatabase { db in try await db.raw(sql).all().map { try $0.decode(column: "line", as: String.self) }
        }
    }

    @Test("a counter flush over rediss:// to a Redis that takes only TLS moves every count")
    func flushOverTLS() async throws {
        let server = try await TLSRedisServer()
        defer { server.stop() }
        try await AppDatabase.with(.sqlite) { app in
            let redis = RedisClient(url: try RedisURL(server.url))
            _ = try await redis.pipeline([["SET", "hits:home", "3"], ["SET", "hits:about", "4"]])
            await redis.close()
            let registry = DatabaseRegistry(
                urls: ["app": app.url], redisURLs: ["hits": server.url], logger: Logger(label: "tls-flush"))
            let job = CounterFlushJob(
                database: "app", redis: "hits", pattern: try CounterKeyPattern("hits:{page}"), table: try SQLName("page_hits"))
            let log = LogCapture()
            let context = JobContext(
                jobName: "flush-tls", runID: .version7(), attempt: 1, scheduledFor: nil, isDryRun: false, window: nil,
                params: [:], logger: log.logger(), progress: { _ in })
            let details = try await job.body(registry: registry)(context)
            #expect(details["processedKeys"] == 2, "\(details)")
            // How many keys at info, one line per key at debug, as teams watched their scripts.
            let messages = log.messages
            #expect(messages.contains("info Found 2 counter keys to process; 2 rows written, 0 skipped"), "\(messages)")
            #expect(
                messages.contains("debug Counted hits:home = 3") && messages.contains("debug Counted hits:about = 4"),
                "\(messages)")
            #expect(try await app.integer("SELECT CAST(sum(value) AS bigint) AS n FROM page_hits") == 7)
            await registry.closeAll()
        }
    }

    @Test(
        "seed 000: hashes per tenant and day give processedKeys=2, upserts=5 and its rows, again on a re-run",
        arguments: TestStoreKind.available)
    func seedFlush(kind: TestStoreKind) async throws {
        try await TestRedis.withPrefix { redis, prefix in
            try await AppDatabase.with(kind) { app in
                try await app.execute(
                    """
                    CREATE TABLE usage_counters (tenant_id TEXT NOT NULL, endpoint TEXT NOT NULL, period_start \(unsafeRaw: kind == .postgres ? "date" : "TEXT") NOT NULL,
                    call_count BIGINT NOT NULL DEFAULT 0, total_weight BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (tenant_id, endpoint, period_start))
                    """)
                _ = try await redis.pipeline([
                    ["HSET", "\(prefix)usage:tenant_E_111:2025-09-01", "/verify", "10"],
                    ["HSET", "\(prefix)usage:tenant_FLUSH_DEMO:2025-09-01", "GET_/usage", "12", "POST_/verify", "3"],
                ])
                let registry = DatabaseRegistry(
                    urls: ["app": app.url], redisURLs: ["usage": try TestRedis.url()], logger: Logger(label: "flush-test"))
                let job = CounterFlushJob(
                    database: "app", redis: "usage", pattern: try CounterKeyPattern("\(prefix)usage:{tenant}:{date}"),
                    hashField: "metric",
                    table: try SQLName("usage_counters"),
                    columns: ["tenant": "tenant_id", "date": "period_start", "metric": "endpoint"],
                    values: [CounterValue(column: "call_count")],
                    totalMarker: "__total__")
                let expected = [
                    "tenant_E_111 | /verify | 2025-09-01 | 10 | 0", "tenant_E_111 | __total__ | 2025-09-01 | 10 | 0",
                    "tenant_FLUSH_DEMO | GET_/usage | 2025-09-01 | 12 | 0",
                    "tenant_FLUSH_DEMO | POST_/verify | 2025-09-01 | 3 | 0",
                    "tenant_FLUSH_DEMO | __total__ | 2025-09-01 | 15 | 0",
                ]
                let query: SQLQueryString = """
                    SELECT tenant_id || ' | ' || endpoint || ' | ' || \(unsafeRaw: kind == .postgres ? "to_char(period_start, 'YYYY-MM-DD')" : "period_start") \
                    || ' | ' || call_count || ' | ' || total_weight AS line FROM usage_counters ORDER BY tenant_id, endpoint
                    """
                let dry = try await job.body(registry: registry)(flushContext(job: "flush-usage", dryRun: true))
                #expect(dry == ["processedKeys": 2, "upserts": 5, "dryRun": true])
                #expect(try await rows(app, query).isEmpty)
                for _ in 0..<2 {
                    #expect(
                        try await job.body(registry: registry)(flushContext(job: "flush-usage")) == [
                            "processedKeys": 2, "upserts": 5,
                        ])
                    #expect(try await rows(app, query) == expected)
                }
                await registry.closeAll()
            }
        }
    }

    @Test(
        "several number columns from one hash: calls and weights, totals of each, moved or dated, in one statement",
        arguments: TestStoreKind.available)
    func severalValues(kind: TestStoreKind) async throws {
        try await TestRedis.withPrefix { redis, prefix in
            try await AppDatabase.with(kind) { app in
                let registry = DatabaseRegistry(
                    urls: ["app": app.url], redisURLs: ["usage": try TestRedis.url()], logger: Logger(label: "flush-test"))
                let values = [
                    try CounterValue(column: "total_weight", template: "{metric}:weight", field: "metric"),
                    CounterValue(column: "call_count"),
                ]
                let counter = UsageCounter(
                    client: redis, pattern: try CounterKeyPattern("\(prefix)usage:{tenant}:{date}"), hashField: "metric",
                    values: values)
                let day = ISO8601Format.date(from: "2025-09-01T12:00:00Z")!
                try await counter.increment(
                    ["tenant": "t1", "metric": "GET_/usage"], by: ["call_count": 1, "total_weight": 5], at: day)
                try await counter.increment(
                    ["tenant": "t1", "metric": "GET_/usage"], by: ["call_count": 1, "total_weight": 7], at: day)
                try await counter.increment(["tenant": "t1", "metric": "POST_/verify"], by: ["call_count": 3], at: day)
                try await counter.increment(["tenant": "t2", "metric": "GET_/usage"], by: ["total_weight": 2], at: day)
                #expect(try await redis.send(["HGET", "\(prefix)usage:t1:2025-09-01", "GET_/usage:weight"]).integer == 12)
                let job = CounterFlushJob(
                    database: "app", redis: "usage", pattern: try CounterKeyPattern("\(prefix)usage:{tenant}:{date}"),
                    hashField: "metric", table: try SQLName("usage_counters"),
                    columns: ["tenant": "tenant_id", "date": "period_start", "metric": "endpoint"], values: values,
                    totalMarker: "__total__")
                let query: SQLQueryString = """
                    SELECT tenant_id || ' ' || endpoint || ' ' || call_count || ' ' || total_weight AS line FROM usage_counters \
                    ORDER BY tenant_id, endpoint
                    """
                let expected = [
                    "t1 GET_/usage 2 12", "t1 POST_/verify 3 0", "t1 __total__ 5 12", "t2 GET_/usage 0 2", "t2 __total__ 0 2",
                ]
                for _ in 0..<2 {
                    let details = try await job.body(registry: registry)(flushContext(job: "flush-usage"))
                    #expect(details == ["processedKeys": 2, "upserts": 5], "\(details)")
                    #expect(try await rows(app, query) == expected)
                }
                let status = try await job.body(registry: registry)(
                    flushContext(job: "flush-usage", params: ["status": true, "date": "2025-09-01"]))
                #expect(status["redisTotal"] == 14 && status["tableTotal"] == 14 && status["upToDate"] == true, "\(status)")
                await registry.closeAll()
            }
        }
    }

    @Test(
        "string keys: tenant and date filters, a status view, and bad keys that are counted, not fatal",
        arguments: TestStoreKind.available)
    func filtersAndStatus(kind: TestStoreKind) async throws {
        try await TestRedis.withPrefix { redis, prefix in
            try await AppDatabase.with(kind) { app in
                let counter = UsageCounter(
                    client: redis, pattern: try CounterKeyPattern("\(prefix)usage:{merchant}:{date}:{metric}"))
                let day = ISO8601Format.date(from: "2025-11-01T12:00:00Z")!
                try await counter.increment(["merchant": "acme", "metric": "queries"], by: 1523, at: day)
                try await counter.increment(["merchant": "acme", "metric": "api_calls"], by: 8456, at: day)
                try await counter.increment(["merchant": "globex", "metric": "queries"], by: 7, at: day)
                try await counter.increment(["merchant": "acme", "metric": "queries"], by: 5, at: day.addingTimeInterval(86_400))
                #expect(try await redis.send(["TTL", "\(prefix)usage:acme:2025-11-01:queries"]).integer ?? 0 > 6 * 86_400)
                _ = try await redis.pipeline([
                    ["SET", "\(prefix)usage:acme:2025-11-01:broken", "lots"], ["SET", "\(prefix)usage:acme:yesterday:x", "1"],
                ])
                let registry = DatabaseRegistry(
                    urls: ["app": app.url], redisURLs: ["usage": try TestRedis.url()], logger: Logger(label: "flush-test"))
                let job = CounterFlushJob(
                    database: "app", redis: "usage", pattern: try CounterKeyPattern("\(prefix)usage:{merchant}:{date}:{metric}"),
                    table: try SQLName("merchant_usage"), columns: ["date": "usage_date"],
                    values: [CounterValue(column: "amount")])
                let run = { (params: JSONObject) in
                    try await job.body(registry: registry)(flushContext(job: "aggregate", params: params))
                }
                let acme = try await run(["merchant": "acme", "date": "2025-11-01"])
                #expect(acme["processedKeys"] == 2 && acme["upserts"] == 2 && acme["badKeys"] == 1)
                var status = try await run(["status": true, "date": "2025-11-01"])
                #expect(
                    status["redisKeys"] == 3 && status["redisTotal"] == 9986 && status["tableTotal"] == 9979
                        && status["pendingTotal"] == 7)
                #expect(status["upToDate"] == false)
                let all = try await run([:])
                #expect(all["processedKeys"] == 4 && all["badKeys"] == 2)
                status = try await run(["status": true, "date": "2025-11-01"])
                #expect(status["upToDate"] == true && status["tableRows"] == 3)
                #expect(try await app.integer("SELECT CAST(sum(amount) AS bigint) AS n FROM merchant_usage") == 9991)
                await registry.closeAll()
            }
        }
    }

    @Test(
        "undated counters are moved: crashes at random points lose nothing and count nothing twice",
        arguments: TestStoreKind.available)
    func crashSafeMove(kind: TestStoreKind) async throws {
        try await TestRedis.withPrefix { redis, prefix in
            try await AppDatabase.with(kind) { app in
                let registry = DatabaseRegistry(
                    urls: ["app": app.url], redisURLs: ["hits": try TestRedis.url()], logger: Logger(label: "flush-test"))
                let pattern = try CounterKeyPattern("\(prefix)hits:{page}")
                let counter = UsageCounter(client: redis, pattern: pattern)
                var job = CounterFlushJob(
                    database: "app", redis: "hits", pattern: pattern, table: try SQLName("page_hits"), totalMarker: "__all__",
                    batchSize: 7)
                let jobName = "move-\(prefix.dropLast())"
                var expected: [String: Int64] = [:]
                var generator = SystemRandomNumberGenerator()
                var crashes = 0
                for round in 0..<40 {
                    for _ in 0..<25 {
                        let page = "p\(Int.random(in: 0..<30, using: &generator))"
                        let amount = Int64.random(in: 1...9, using: &generator)
                        try await counter.increment(["page": page], by: amount)
                        expected[page, default: 0] += amount
                    }
                    // Crash at one random step of one random batch, or not at all.
                    let target = (Int.random(in: 0..<4), CounterFlushJob.FlushStep.allCases.randomElement()!)
                    let calls = Mutex(0)
                    job.crashPoint = { step in
                        // Every fifth round runs to the end.
                        if round % 5 != 4, step == target.1 {
                            let call = calls.withLock { value in
                                value += 1
                                return value
                            }
                            if call == target.0 + 1 { throw CancellationError() }
                        }
                    }
                    do {
                        _ = try await job.body(registry: registry)(flushContext(job: jobName))
                    } catch is CancellationError {
                        crashes += 1
                    }
                }
                job.crashPoint = nil
                _ = try await job.body(registry: registry)(flushContext(job: jobName))
                let stored = try await app.pool.withDatabase { db in
                    try await db.raw("SELECT page, value FROM page_hits").all().map {
                        (try $0.decode(column: "page", as: String.self), try $0.decode(column: "value", as: Int64.self))
                    }
                }
                let table = Dictionary(stored, uniquingKeysWith: +)
                #expect(crashes > 10)
                #expect(table.filter { $0.key != "__all__" } == expected)
                #expect(table["__all__"] == expected.values.reduce(0, +))
                var left: [String] = []
                for try await keys in redis.scan(match: "\(prefix)hits:*") { left += keys }
                for try await keys in redis.scan(match: "nightshift:pending:\(jobName):*") { left += keys }
                #expect(left.isEmpty)
                await registry.closeAll()
            }
        }
    }

    @Test("moves of one job take turns: a flush waits while another holds the job's lock", arguments: TestStoreKind.available)
    func movesTakeTurns(kind: TestStoreKind) async throws {
        try await TestRedis.withPrefix { redis, prefix in
            try await AppDatabase.with(kind) { app in
                let registry = DatabaseRegistry(
                    urls: ["app": app.url], redisURLs: ["hits": try TestRedis.url()], logger: Logger(label: "flush-test"))
                let pattern = try CounterKeyPattern("\(prefix)hits:{page}")
                try await UsageCounter(client: redis, pattern: pattern).increment(["page": "home"], by: 5)
                let job = CounterFlushJob(database: "app", redis: "hits", pattern: pattern, table: try SQLName("page_hits"))
                let jobName = "turns-\(prefix.dropLast())"
                // Another run of the same job holds the lock.
                let pool = try await registry.pool(named: "app")
                let (held, release) = AsyncStream<Void>.makeStream()
                let (taken, tookIt) = AsyncStream<Void>.makeStream()
                let holder = Task {
                    try await pool.withExclusiveLock(named: "counter-flush:\(jobName)") {
                        tookIt.finish()
                        for await _ in held {}
                    }
                }
                for await _ in taken {}
                let flush = Task { try await job.body(registry: registry)(flushContext(job: jobName)) }
                // The flush creates its table, then asks for the lock: once the table is there, it
                // has a second to show it would not wait (a loaded machine took longer than a
                // second just to get that far).
                var created = false
                for _ in 0..<300 where !created {
                    created = (try? await app.integer("SELECT count(*) AS n FROM page_hits")) != nil
                    if !created { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(created, "the flush never created its table")
                try await Task.sleep(for: .seconds(1))
                #expect(try await app.integer("SELECT count(*) AS n FROM page_hits") == 0, "the flush did not wait its turn")
                release.finish()
                try await holder.value
                let details = try await flush.value
                #expect(details["processedKeys"] == 1)
                #expect(try await app.integer("SELECT CAST(sum(value) AS bigint) AS n FROM page_hits") == 5)
                await registry.closeAll()
            }
        }
    }

    @Test("key patterns: building, matching, globbing and their errors")
    func patterns() throws {
        let pattern = try CounterKeyPattern("usage:{tenant}:{date}:{metric}")
        #expect(pattern.key(["tenant": "acme", "date": "2025-11-01", "metric": "q"]) == "usage:acme:2025-11-01:q")
        #expect(
            pattern.match("usage:acme:2025-11-01:GET_/v1:x") == ["tenant": "acme", "date": "2025-11-01", "metric": "GET_/v1:x"])
        #expect(pattern.match("usage:acme:yesterday:q") == nil)
        #expect(pattern.match("other:acme:2025-11-01:q") == nil)
        #expect(pattern.glob(["tenant": "a*b"]) == "usage:a\\*b:*:*")
        #expect(throws: CounterKeyPatternError.self) { try CounterKeyPattern("usage:{tenant}{date}") }
        #expect(throws: CounterKeyPatternError.self) { try CounterKeyPattern("usage:plain") }
    }
}
