import Foundation
import Logging
import Nightshift
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Synchronization
import Testing

/// Several engines on one store, scheduling switches, pause, replace and shutdown.
@Suite struct EngineCoordinationTests {
    let logger = Logger(label: "coordination-test")

    func engine(_ store: any JobStore, _ jobs: [Job], configure: (inout EngineConfiguration) -> Void = { _ in })
        -> NightshiftEngine
    {
        var configuration = EngineTests.fast
        configure(&configuration)
        return NightshiftEngine(store: store, jobs: jobs, configuration: configuration, logger: logger)
    }

    /// Enqueues one run of `job` in the test's store, serves it through an engine over `store`
    /// until the run has ended (or 20 s have passed), and answers the run as stored.
    func runOnce(_ job: Job, through store: any JobStore, of test: TestStore) async throws -> Run? {
        let run = try await test.store.enqueue([NewRun(job: job.name)])[0]
        let running = engine(store, [job])
        let task = Task { try await running.run() }
        let deadline = ContinuousClock.now + .seconds(20)
        while let status = try await test.store.run(id: run.id)?.status, !status.isFinished, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        running.shutDown()
        try await task.value
        return try await test.store.run(id: run.id)
    }

    @Test("two instances on one store: one leader, every fire recorded once", arguments: TestStoreKind.available)
    func twoInstances(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let job = try Job(name: "every-second", schedule: try Schedule("* * * * * *"), policies: JobPolicies(overlap: .allow))
            { _ in
                [:]
            }
            // A second store connection stands for the second process.
            let otherStore = try await SQLJobStore.open(test.url, logger: logger)
            // A 3 s lease: with the suite's 1.5 s, two SQLite connections contending under load
            // let one instance's heartbeat lag past it, and the other rightly rescued its run.
            let first = engine(test.store, [job]) {
                $0.instanceID = "first"
                $0.leaseDuration = .seconds(3)
            }
            let second = engine(otherStore, [job]) {
                $0.instanceID = "second"
                $0.leaseDuration = .seconds(3)
            }
            let tasks = [Task { try await first.run() }, Task { try await second.run() }]
            var leadersSeen: Set<Int> = []
            // Four seconds at least, and until a fire has run (a loaded machine may take longer
            // to start both instances), for at most a minute.
            let started = ContinuousClock.now
            var looked = 0
            while true {
                try await Task.sleep(for: .milliseconds(100))
                leadersSeen.insert([first.isLeader, second.isLeader].filter { $0 }.count)
                looked += 1
                if looked < 40 { continue }
                if ContinuousClock.now - started >= .seconds(60) { break }
                let succeeded = try await test.store.runs(RunQuery(job: "every-second", status: .succeeded, limit: 1))
                if !succeeded.isEmpty { break }
            }
            first.shutDown()
            second.shutDown()
            for task in tasks { try await task.value }
            await otherStore.close()
            #expect(!leadersSeen.contains(2))
            let runs = try await test.store.runs(RunQuery(job: "every-second", limit: 100))
            let fires = runs.compactMap(\.scheduledFor)
            #expect(fires.count >= 2)
            #expect(Set(fires).count == fires.count)
            // Fires not yet run at shutdown stay queued for the next start (on a loaded machine
            // that is not only the last second's: a run claimed into a buffer goes back to the
            // queue); none failed, none was left running. A fire due while the lease changed hands
            // may be missed under catch_up: latest: then it is skipped, with the reason.
            #expect(
                runs.allSatisfy {
                    $0.status == .succeeded || $0.status == .queued
                        || $0.status == .skipped && $0.error?.hasPrefix("missed:") == true
                }, "\(runs.map(\.status))")
            #expect(runs.contains { $0.status == .succeeded })
        }
    }

    @Test("with scheduling switched off, nothing fires but enqueued runs still execute", arguments: TestStoreKind.available)
    func schedulingDisabled(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let job = try Job(name: "tick", schedule: try Schedule("* * * * * *")) { _ in ["ran": true] }
            let manual = try await test.store.enqueue([NewRun(job: "tick", trigger: .manual)])[0]
            let stopped = engine(test.store, [job]) { $0.schedulingEnabled = false }
            let task = Task { try await stopped.run() }
            // Over two seconds of an every-second schedule, and until the manual run is done
            // (on a loaded machine that can take longer).
            let watchedUntil = ContinuousClock.now + .milliseconds(2500)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let finished = try await test.store.run(id: manual.id)?.status.isFinished == true
                if finished && ContinuousClock.now >= watchedUntil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            stopped.shutDown()
            try await task.value
            let runs = try await test.store.runs(RunQuery(job: "tick"))
            #expect(runs.map(\.id) == [manual.id])
            #expect(runs.first?.status == .succeeded)
        }
    }

    @Test(
        "shutdown returns prefetched runs to the queue: none stays running, each success has one attempt",
        arguments: TestStoreKind.available)
    func prefetchReleasedAtShutdown(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            // Quick jobs make the engine prefetch (about 100 ms of work at their rate), so the
            // shutdown finds runs claimed but not started.
            let job = try Job(name: "quick") { _ in
                try await Task.sleep(for: .milliseconds(1))
                return [:]
            }
            let total = 3000
            _ = try await test.store.enqueue((0..<total).map { _ in NewRun(job: "quick") })
            let running = engine(test.store, [job]) { $0.concurrency = 2 }
            let task = Task { try await running.run() }
            while try await test.store.runs(RunQuery(job: "quick", status: .succeeded, limit: total)).count < 300 {
                try await Task.sleep(for: .milliseconds(20))
            }
            running.shutDown()
            try await task.value
            let runs = try await test.store.runs(RunQuery(job: "quick", limit: total))
            let succeeded = runs.filter { $0.status == .succeeded }
            let queued = runs.filter { $0.status == .queued }
            #expect(succeeded.count + queued.count == total, "nothing left running or lost")
            #expect(queued.count > 0)
            #expect(queued.allSatisfy { $0.attempt == 1 && $0.worker == nil && $0.startedAt == nil })
            let attempts = try await test.store.pool.withDatabase { database in
                try await database.raw("SELECT count(*) AS n, count(DISTINCT run_id) AS runs FROM nightshift_attempts").first()
            }
            #expect(try attempts?.decode(column: "n", as: Int.self) == succeeded.count)
            #expect(try attempts?.decode(column: "runs", as: Int.self) == succeeded.count)
        }
    }

    @Test(
        "a run whose ending is slow to write is heartbeated meanwhile, not rescued as an orphan",
        arguments: TestStoreKind.available)
    func slowCompletionWrite(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            // Writes take twice the lease (1.5 s in these tests): without heartbeats in between,
            // the instance's own orphan rescue would fail the run before its success lands.
            let store = SlowStore(base: test.store, complete: .seconds(3))
            let job = try Job(name: "quick") { _ in ["done": true] }
            let final = try await runOnce(job, through: store, of: test)
            #expect(final?.status == .succeeded && final?.details == ["done": true])
        }
    }

    @Test("an instance whose heartbeats lag does not rescue the runs it holds as orphans", arguments: TestStoreKind.available)
    func laggingHeartbeats(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            // Heartbeats take 4 s, the job 3.5 s, the lease (and the staleness rescue looks for)
            // 1.5 s: the run's heartbeat is stale at every rescue while it executes.
            let store = SlowStore(base: test.store, heartbeat: .seconds(4))
            let job = try Job(name: "steady") { _ in
                try await Task.sleep(for: .milliseconds(3500))
                return ["done": true]
            }
            let final = try await runOnce(job, through: store, of: test)
            #expect(final?.status == .succeeded && final?.details == ["done": true], "\(String(describing: final?.error))")
        }
    }

    @Test(
        "shutdown ends although a store call of the upkeep or the scheduler hangs deaf to cancellation (an instance never exited after an outage)",
        arguments: [SlowStore.HangingCall.listen, .lease, .claim])
    func shutdownWithHungStoreCall(call: SlowStore.HangingCall) async throws {
        try await withTestStore(.sqlite) { test in
            let store = SlowStore(base: test.store)
            store.hang(call)
            defer { store.releaseHungCalls() }
            let job = try Job(name: "tick", schedule: try Schedule("* * * * * *")) { _ in [:] }
            let running = engine(store, [job]) {
                $0.listenForNewRuns = true
                $0.shutdownGracePeriod = .seconds(1)
            }
            let task = Task { try await running.run() }
            try await Task.sleep(for: .milliseconds(300))
            running.shutDown()
            // It gives up on the hung call after the grace period and a few seconds more, with no
            // run held; before, it waited for good.
            let ended = await Task { try? await task.value }.ended(within: .seconds(60))
            #expect(ended, "the engine still waits for the hung call")
        }
    }

    @Test(
        "an instance whose lease renewal is late stops believing it leads when the lease runs out",
        arguments: TestStoreKind.available)
    func leaseBeliefEnds(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = SlowStore(base: test.store)
            let job = try Job(name: "tick", schedule: try Schedule("* * * * * *")) { _ in [:] }
            let leader = engine(store, [job])
            let task = Task { try await leader.run() }
            let deadline = ContinuousClock.now + .seconds(10)
            while !leader.isLeader, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(leader.isLeader)
            // Renewals now take twice the lease (1.5 s): within one lease of the last renewal
            // the lease may have lapsed and another instance may hold it.
            // Renewals now take an hour: the lease runs out, and with it the belief, whenever
            // the loaded machine gets there.
            store.slowLeases(by: .seconds(3600))
            let gone = ContinuousClock.now + .seconds(120)
            while leader.isLeader, ContinuousClock.now < gone { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!leader.isLeader)
            leader.shutDown()
            try await task.value
        }
    }

    @Test("slow jobs are not prefetched: an instance holds little more than its slots", arguments: TestStoreKind.available)
    func slowJobsNotPrefetched(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let job = try Job(name: "slow") { _ in
                try await Task.sleep(for: .milliseconds(200))
                return [:]
            }
            _ = try await test.store.enqueue((0..<12).map { _ in NewRun(job: "slow") })
            let worker = engine(test.store, [job]) { $0.concurrency = 2 }
            let task = Task { try await worker.run() }
            var mostHeld = 0
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let runs = try await test.store.runs(RunQuery(job: "slow", limit: 100))
                mostHeld = max(mostHeld, runs.filter { $0.status == .running }.count)
                if runs.allSatisfy({ $0.status == .succeeded }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            worker.shutDown()
            try await task.value
            // The two slots, about 100 ms of work at 10 runs a second (one or two runs, as the
            // rate's window falls), and an ending whose write is pending (still `running` in the
            // database); with a fixed buffer the instance would have held all twelve from the start.
            #expect(mostHeld <= 5)
            #expect(try await test.store.runs(RunQuery(job: "slow", status: .succeeded)).count == 12)
        }
    }

    @Test(
        "on PostgreSQL a run enqueued elsewhere starts at once, long before the next poll",
        .requiresPostgres)
    func listenNotify() async throws {
        try await withTestStore(.postgres) { test in
            let job = try Job(name: "quick") { _ in ["done": true] }
            // The next poll is an hour away: a run that starts sooner was woken by its notification.
            let idle = engine(test.store, [job]) { $0.pollInterval = .seconds(3600) }
            let task = Task { try await idle.run() }
            // The instance has made its first poll once a first run has ended, and listens once
            // its LISTEN shows: a notification sent before that is not delivered.
            let first = try await test.store.enqueue([NewRun(job: "quick")])[0]
            let polled = ContinuousClock.now + .seconds(120)
            while try await test.store.run(id: first.id)?.status != .succeeded, ContinuousClock.now < polled {
                try await Task.sleep(for: .milliseconds(20))
            }
            let listenDeadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < listenDeadline {
                let listening = try await test.store.pool.withDatabase { database in
                    try await database.raw(
                        """
                        SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                                       WHERE datname = current_database() AND query LIKE 'LISTEN%') AS listening
                        """
                    ).first()?.decode(column: "listening", as: Bool.self) ?? false
                }
                if listening { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let producer = try await SQLJobStore.open(test.url, logger: logger)
            let enqueued = ContinuousClock.now
            let run = try await producer.enqueue([NewRun(job: "quick")])[0]
            while try await test.store.run(id: run.id)?.status != .succeeded, ContinuousClock.now - enqueued < .seconds(120) {
                try await Task.sleep(for: .milliseconds(10))
            }
            idle.shutDown()
            try await task.value
            await producer.close()
            let final = try #require(try await test.store.run(id: run.id))
            #expect(final.status == .succeeded, "the run waited for a poll")
        }
    }

    @Test("two instances migrating at once both succeed", arguments: TestStoreKind.available)
    func concurrentMigrations(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let stores = [
                try await SQLJobStore.open(test.url, logger: logger), try await SQLJobStore.open(test.url, logger: logger),
            ]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores { group.addTask { try await store.migrate() } }
                try await group.waitForAll()
            }
            for store in stores {
                #expect(try await store.isMigrated())
                await store.close()
            }
        }
    }
}
