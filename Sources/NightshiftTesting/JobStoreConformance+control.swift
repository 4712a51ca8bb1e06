import Foundation
import Nightshift
import Synchronization
import Testing

extension JobStoreConformance {
    static let controlChecks: [Check] = [
        Check("one lease holder at a time, until it expires by the store's clock or is released") { subject in
            let store = subject.store
            #expect(try await store.acquireLease("scheduler", holder: "a", duration: .seconds(30)))
            #expect(try await store.acquireLease("scheduler", holder: "b", duration: .seconds(30)) == false)
            #expect(try await store.acquireLease("scheduler", holder: "a", duration: .seconds(30)))
            #expect(try await store.leaseHolder("scheduler") == "a")
            try await store.releaseLease("scheduler", holder: "b")
            #expect(try await store.leaseHolder("scheduler") == "a", "only the holder releases")
            try await store.releaseLease("scheduler", holder: "a")
            #expect(try await store.leaseHolder("scheduler") == nil)
            #expect(try await store.acquireLease("scheduler", holder: "b", duration: .seconds(0.2)))
            try await subject.pass(.milliseconds(400))
            #expect(try await store.leaseHolder("scheduler") == nil)
            #expect(try await store.acquireLease("scheduler", holder: "a", duration: .seconds(30)))
        },
        Check("registering jobs writes their settings and keeps pause state, counters and watermarks") { subject in
            let store = subject.store
            let daily = try Schedule("0 3 * * *")
            try await store.register([JobRegistration(try Job(name: "j", schedule: daily, description: "old") { _ in [:] })])
            #expect(try await store.setPaused(job: "j", paused: true))
            let fire = Date(timeIntervalSince1970: 1_800_000_000)
            try await store.advanceWatermark(job: "j", to: fire)
            let run = try await store.start(NewRun(job: "j"), worker: "w")
            _ = try await store.complete(
                RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .finished(.failed), error: "e"))
            try await store.register([JobRegistration(try Job(name: "j", description: "new", enabled: false) { _ in [:] })])
            let state = try #require(try await store.jobStates().first)
            #expect(state.description == "new" && !state.enabled && state.schedule == nil)
            #expect(state.paused && state.watermark == fire && state.consecutiveErrors == 1 && state.lastError == "e")
            #expect(try await store.setPaused(job: "j", paused: false))
            #expect(try await store.jobStates().first?.paused == false)
        },
        Check("a paused queue is listed until it is resumed") { subject in
            let store = subject.store
            #expect(try await store.pausedQueues().isEmpty)
            try await store.setQueuePaused("reports", paused: true)
            try await store.setQueuePaused("mail", paused: true)
            try await store.setQueuePaused("reports", paused: true)
            #expect(try await store.pausedQueues() == ["reports", "mail"])
            try await store.setQueuePaused("reports", paused: false)
            #expect(try await store.pausedQueues() == ["mail"])
        },
        Check("a signed-out dashboard session is refused until a day past its end; other sessions are not") { subject in
            let store = subject.store
            #expect(try await store.isSessionRevoked("session-a") == false)
            let end = try await store.databaseNow().addingTimeInterval(3600)
            try await store.revokeSession("session-a", expiresAt: end)
            try await store.revokeSession("session-a", expiresAt: end)
            #expect(try await store.isSessionRevoked("session-a"))
            #expect(try await store.isSessionRevoked("session-b") == false)
            // Ended an hour ago by one host's clock, and still refused: another host's clock may
            // run behind it.
            try await store.revokeSession("session-c", expiresAt: end.addingTimeInterval(-2 * 3600))
            try await store.revokeSession("session-d", expiresAt: end)
            #expect(try await store.isSessionRevoked("session-c"))
        },
        Check("listening for new runs either returns at once or wakes the listener when runs are enqueued") { subject in
            let store = subject.store
            let woken = Atomic<Int>(0)
            let ended = Atomic<Bool>(false)
            let listener = Task {
                try await store.listenForNewRuns { woken.add(1, ordering: .relaxed) }
                ended.store(true, ordering: .relaxed)
            }
            defer { listener.cancel() }
            // LISTEN may not be in place yet: enqueue until a wake-up comes, for at most 10 s.
            let deadline = ContinuousClock.now + .seconds(10)
            while woken.load(ordering: .relaxed) == 0, !ended.load(ordering: .relaxed), ContinuousClock.now < deadline {
                _ = try await store.enqueue([NewRun(job: "j")])
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(woken.load(ordering: .relaxed) > 0 || ended.load(ordering: .relaxed))
        },
    ]
}
