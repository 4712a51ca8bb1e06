import Foundation
import Nightshift
import Testing

extension JobStoreConformance {
    static let alertChecks: [Check] = [
        Check("an incident opens once per subject and condition and resolves once, each with its notifications") { subject in
            let store = subject.store
            let now = try await store.databaseNow()
            func opening(_ condition: IncidentCondition = .failing, channels: [String]) -> IncidentChange {
                let incident = Incident(subject: "j", condition: condition, openedAt: now, detail: ["consecutiveFailures": 3])
                return IncidentChange(
                    incident: incident, transition: .open, at: now,
                    notifications: channels.map {
                        AlertNotification(incidentID: incident.id, channel: $0, payload: "{\"n\":1}", createdAt: now)
                    })
            }
            let first = opening(channels: ["ops", "pager"])
            #expect(try await store.apply([first]).count == 1)
            // A second opening (another instance, a later pass) takes no effect and sends nothing.
            #expect(try await store.apply([opening(channels: ["ops"])]).isEmpty)
            #expect(try await store.apply([opening(.overdue, channels: [])]).count == 1, "another condition opens")
            let open = try await store.incidents(openOnly: true, limit: 10)
            #expect(open.count == 2)
            let stored = try #require(open.first { $0.condition == .failing })
            #expect(stored.id == first.incident.id && stored.subject == "j" && stored.detail == ["consecutiveFailures": 3])
            #expect(try await store.notifications(of: first.incident.id).map(\.channel).sorted() == ["ops", "pager"])
            #expect(try await store.dueNotifications(limit: 10).count == 2)
            let resolution = IncidentChange(
                incident: stored, transition: .resolved, at: now,
                notifications: [AlertNotification(incidentID: stored.id, channel: "ops", payload: "{}", createdAt: now)])
            #expect(try await store.apply([resolution]).count == 1)
            #expect(try await store.apply([resolution]).isEmpty, "resolved once")
            #expect(try await store.notifications(of: stored.id).count == 3)
            #expect(try await store.incidents(openOnly: true, limit: 10).map(\.condition) == [.overdue])
            // Once resolved, the condition may open a new incident.
            #expect(try await store.apply([opening(channels: [])]).count == 1)
            let all = try await store.incidents(openOnly: false, limit: 10)
            #expect(all.count == 3 && all.filter { $0.resolvedAt != nil }.map(\.id) == [stored.id])
        },
        Check("a delivered or given-up notification leaves the due list; a retry waits for its time") { subject in
            let store = subject.store
            let now = try await store.databaseNow()
            let incident = Incident(subject: "q", condition: .backlog, openedAt: now)
            let notifications = (0..<3).map {
                AlertNotification(incidentID: incident.id, channel: "c\($0)", payload: "{}", createdAt: now)
            }
            _ = try await store.apply([
                IncidentChange(incident: incident, transition: .open, at: now, notifications: notifications)
            ])
            try await store.recordDelivery(notifications[0].id, outcome: .delivered)
            try await store.recordDelivery(notifications[1].id, outcome: .retry(at: now.addingTimeInterval(3600), error: "500"))
            try await store.recordDelivery(notifications[2].id, outcome: .failed(error: "gone"))
            #expect(try await store.dueNotifications(limit: 10).isEmpty)
            let stored = Dictionary(
                uniqueKeysWithValues: try await store.notifications(of: incident.id).map { ($0.channel, $0) })
            #expect(stored["c0"]?.deliveredAt != nil && stored["c0"]?.attempts == 1)
            #expect(stored["c1"]?.lastError == "500" && stored["c1"]?.deliveredAt == nil && stored["c1"]?.attempts == 1)
            #expect(stored["c2"]?.failedAt != nil && stored["c2"]?.lastError == "gone")
            try await store.recordDelivery(notifications[1].id, outcome: .retry(at: now.addingTimeInterval(-1), error: "503"))
            #expect(try await store.dueNotifications(limit: 10).map(\.id) == [notifications[1].id])
        },
        Check("a missed fire is a skipped run counted on its job, and an alert takes the count off") { subject in
            let store = subject.store
            try await store.register([JobRegistration(try Job(name: "j", schedule: try Schedule("* * * * *")) { _ in [:] })])
            #expect(try await store.jobStates().first?.registeredAt != nil)
            let first = Date(timeIntervalSince1970: 1_800_000_000)
            var fires = [first, first.addingTimeInterval(60)].map {
                var fire = ScheduledFire(job: "j", scheduledFor: $0, maxAttempts: 1, overlap: .allow)
                fire.missedReason = "missed: test"
                return fire
            }
            fires[0].missedCount = 3
            #expect(try await store.recordFires(fires) == [.skipped, .skipped])
            #expect(try await store.recordFires(fires) == [.duplicate, .duplicate], "counted once")
            let runs = try await store.runs(RunQuery(job: "j"))
            #expect(runs.count == 2 && runs.allSatisfy { $0.status == .skipped && $0.error == "missed: test" })
            let state = try #require(try await store.jobStates().first)
            #expect(state.missedFires == 4 && state.missedFirst == first && state.missedLast == first.addingTimeInterval(60))
            #expect(state.missedReason == "missed: test")
            let now = try await store.databaseNow()
            let incident = Incident(subject: "j", condition: .missed, openedAt: now)
            _ = try await store.apply([IncidentChange(incident: incident, transition: .open, at: now, missedFires: 4)])
            let after = try #require(try await store.jobStates().first)
            #expect(after.missedFires == 0 && after.missedFirst == nil && after.missedReason == nil)
        },
        Check("a lease taken after two lease periods without a holder keeps the gap until an alert clears it") { subject in
            let store = subject.store
            #expect(try await store.lease("scheduler") == nil)
            #expect(try await store.acquireLease("scheduler", holder: "a", duration: .seconds(30)))
            let taken = try #require(try await store.lease("scheduler"))
            #expect(taken.holder == "a" && taken.gapFrom == nil && taken.acquiredAt != nil)
            #expect(try await store.acquireLease("scheduler", holder: "a", duration: .seconds(30)))
            #expect(try await store.lease("scheduler")?.acquiredAt == taken.acquiredAt, "a renewal keeps when it was taken")
            // Released and taken at once by another: no gap.
            try await store.releaseLease("scheduler", holder: "a")
            #expect(try await store.acquireLease("scheduler", holder: "b", duration: .seconds(30)))
            #expect(try await store.lease("scheduler")?.gapFrom == nil)
            // Released, and nobody takes it for longer than two of the next holder's lease periods.
            try await store.releaseLease("scheduler", holder: "b")
            try await subject.pass(.milliseconds(500))
            #expect(try await store.acquireLease("scheduler", holder: "c", duration: .seconds(0.1)))
            let gap = try #require(try await store.lease("scheduler"))
            #expect(gap.holder == "c")
            let from = try #require(gap.gapFrom)
            #expect(try #require(gap.acquiredAt).timeIntervalSince(from) >= 0.2)
            let now = try await store.databaseNow()
            let incident = Incident(subject: "scheduler", condition: .noLeader, openedAt: now)
            _ = try await store.apply([IncidentChange(incident: incident, transition: .open, at: now, leaderGapFrom: from)])
            #expect(try await store.lease("scheduler")?.gapFrom == nil)
        },
        Check("instances: a beat keeps when it started, marks it stopped, and lists the newest first") { subject in
            let store = subject.store
            let beat = InstanceState(
                id: "host:1:a", host: "host", pid: 1, version: "0.1.0", concurrency: 10, running: 2, startedAt: Date(),
                heartbeatAt: Date())
            try await store.beat(beat, stopping: false)
            let first = try #require(try await store.instances().first)
            #expect(first.id == "host:1:a" && first.running == 2 && first.concurrency == 10 && first.stoppedAt == nil)
            try await subject.pass(.milliseconds(50))
            var later = beat
            later.running = 0
            try await store.beat(later, stopping: true)
            let second = try #require(try await store.instances().first)
            #expect(second.startedAt == first.startedAt && second.heartbeatAt > first.heartbeatAt)
            #expect(second.running == 0 && second.stoppedAt != nil)
        },
        Check("finished runs counted per bucket of their end and per outcome; two passes adding equal runs count both") {
            subject in
            let store = subject.store
            let since = try await store.databaseNow().addingTimeInterval(-60)
            for outcome in [RunStatus.succeeded, .succeeded, .failed] {
                let run = try await store.start(NewRun(job: "j"), worker: "w")
                _ = try await store.complete(RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .finished(outcome)))
            }
            _ = try await store.enqueue([NewRun(job: "j")])
            // No statistics kept yet: read from the runs.
            let buckets = try await store.runStatistics(since: since, bucketSeconds: 3600)
            let counts = Dictionary(buckets.map { ($0.status, $0.count) }, uniquingKeysWith: +)
            #expect(counts == [.succeeded: 2, .failed: 1])
            #expect(buckets.allSatisfy { Int($0.start.timeIntervalSince1970) % 3600 == 0 && $0.runSeconds >= 0 })
            // Each pass adds one run cancelled as soon as queued: on a clock the test moves, the
            // two are equal in every number, and the second must still be added to the first.
            for _ in 0..<2 {
                let run = try #require(try await store.enqueue([NewRun(job: "j")]).first)
                #expect(try await store.requestCancel(runID: run.id))
                try await subject.pass(.milliseconds(50))
                _ = try await store.summarizeFinishedRuns(before: try await store.databaseNow(), span: .seconds(8 * 86_400))
            }
            let kept = try await store.runStatistics(since: since, bucketSeconds: 60)
            #expect(kept.filter { $0.status == .cancelled }.reduce(0) { $0 + $1.count } == 2)
        },
        Check("run and failure statistics: kept per minute and hour up to a mark, read from runs without one, counted once") {
            subject in
            let store = subject.store
            let since = try await store.databaseNow().addingTimeInterval(-60)
            func finish(_ outcomes: [RunStatus]) async throws {
                for (index, outcome) in outcomes.enumerated() {
                    let run = try await store.start(NewRun(job: "j"), worker: "w")
                    _ = try await store.complete(
                        RunCompletion(
                            runID: run.id, job: "j", attempt: 1, outcome: .finished(outcome),
                            error: outcome == .failed ? "timed out after \(index + 3)s" : nil))
                }
            }
            func failures() async throws -> [String] {
                try await store.failureGroups(since: since, limit: 10).map { "\($0.job) \($0.error) \($0.count)" }
            }
            func counts(_ bucketSeconds: Int) async throws -> [RunStatus: Int] {
                let buckets = try await store.runStatistics(since: since, bucketSeconds: bucketSeconds)
                #expect(buckets.allSatisfy { $0.runHistogram.total == $0.count && $0.waitHistogram.total == $0.count })
                return Dictionary(buckets.map { ($0.status, $0.count) }, uniquingKeysWith: +)
            }
            try await finish([.succeeded, .succeeded, .failed, .failed])
            #expect(try await failures() == ["j timed out after #s 2"])
            #expect(try await store.queueThroughput(since: since) == ["default": 4])
            try await subject.pass(.milliseconds(50))
            let cut = try await store.databaseNow()
            // The mark, kept as Unix seconds, may come back a rounding away.
            func isClose(_ mark: Date, _ time: Date) -> Bool { abs(mark.timeIntervalSince(time)) < 0.001 }
            // No mark yet: the first pass reaches back a week.
            #expect(isClose(try await store.summarizeFinishedRuns(before: cut, span: .seconds(8 * 86_400)), cut))
            #expect(try await counts(60) == [.succeeded: 2, .failed: 2])
            #expect(try await failures() == ["j timed out after #s 2"])
            #expect(try await store.queueThroughput(since: since) == ["default": 4])
            // The same pass again, as a second leader would run it, adds nothing.
            #expect(isClose(try await store.summarizeFinishedRuns(before: cut, span: .seconds(3600)), cut))
            try await subject.pass(.milliseconds(50))
            try await finish([.succeeded, .failed])
            // While the mark is fresh, only the kept statistics are read; the next pass counts the
            // new runs, once.
            #expect(try await counts(60) == [.succeeded: 2, .failed: 2])
            #expect(try await failures() == ["j timed out after #s 2"])
            #expect(try await store.queueThroughput(since: since) == ["default": 4])
            try await subject.pass(.milliseconds(50))
            let later = try await store.databaseNow()
            #expect(isClose(try await store.summarizeFinishedRuns(before: later, span: .seconds(3600)), later))
            #expect(try await counts(60) == [.succeeded: 3, .failed: 3])
            #expect(try await counts(7200) == [.succeeded: 3, .failed: 3])
            #expect(try await failures() == ["j timed out after #s 3"])
            #expect(try await store.queueThroughput(since: since) == ["default": 6])
        },
        Check("each queue's waiting and running runs and its oldest due one, in one summary") { subject in
            let store = subject.store
            let now = try await store.databaseNow()
            _ = try await store.enqueue([
                NewRun(job: "j", queue: "a"), NewRun(job: "j", runAfter: now.addingTimeInterval(3600), queue: "a"),
            ])
            _ = try await store.start(NewRun(job: "j", queue: "b"), worker: "w")
            let summaries = try await store.queueSummaries()
            #expect(summaries["a"]?.depth == 2 && summaries["a"]?.running == 0 && summaries["a"]?.oldestDue != nil)
            #expect(summaries["b"] == QueueSummary(depth: 0, oldestDue: nil, running: 1))
        },
        Check("each queue's oldest due queued run") { subject in
            let store = subject.store
            let now = try await store.databaseNow()
            _ = try await store.enqueue([
                NewRun(job: "j", queue: "a"), NewRun(job: "j", queue: "b"),
                NewRun(job: "j", runAfter: now.addingTimeInterval(3600), queue: "c"),
            ])
            let oldest = try await store.oldestQueuedRuns()
            #expect(Set(oldest.keys) == ["a", "b"])
        },
    ]
}
