import Synchronization
import Testing

@testable import NightshiftDatabase

/// The lock that serializes the one SQLite connection: first come first served, never two
/// holders, no lost wake-up, and cancellation does not jump the queue.
@Suite struct AsyncLockTests {
    /// What the tasks saw, shared between them.
    final class Record: Sendable {
        let order = Mutex<[String]>([])
        let inside = Mutex((now: 0, most: 0, entries: 0))
    }

    /// Returns once `count` tasks wait for `lock`.
    func waitForWaiters(_ lock: AsyncLock, _ count: Int) async {
        while lock.waiting < count { await Task.yield() }
    }

    /// Takes `lock`, notes `name` (and whether the task was cancelled), and holds it until `gate`
    /// yields, when one is given.
    static func take(_ lock: AsyncLock, _ name: String, _ record: Record, gate: AsyncStream<Void>? = nil) async throws {
        try await lock.withLock {
            record.order.withLock { $0.append(Task.isCancelled ? "\(name) cancelled" : name) }
            if let gate { for await _ in gate { break } }
        }
    }

    @Test("waiters get the lock in the order they came, a cancelled one included")
    func order() async throws {
        let lock = AsyncLock()
        let record = Record()
        let (gate, open) = AsyncStream<Void>.makeStream()
        let holder = Task { try await Self.take(lock, "A", record, gate: gate) }
        var waiters: [Task<Void, any Error>] = []
        for (index, name) in ["B", "C", "D"].enumerated() {
            // Each comes once the one before holds the lock or waits for it.
            while record.order.withLock({ $0.isEmpty }) { await Task.yield() }
            waiters.append(Task { try await Self.take(lock, name, record) })
            await waitForWaiters(lock, index + 1)
        }
        waiters[1].cancel()
        open.yield()
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(record.order.withLock { $0 } == ["A", "B", "C cancelled", "D"])
        #expect(lock.waiting == 0)
    }

    @Test("a thousand tasks take turns: never two inside, none left waiting")
    func exclusion() async throws {
        let lock = AsyncLock()
        let record = Record()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<1000 {
                group.addTask {
                    try await lock.withLock {
                        record.inside.withLock {
                            $0.now += 1
                            $0.most = max($0.most, $0.now)
                            $0.entries += 1
                        }
                        await Task.yield()
                        record.inside.withLock { $0.now -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(record.inside.withLock { $0.most } == 1 && record.inside.withLock { $0.entries } == 1000)
        // Released with nobody waiting: the next comer gets it at once.
        try await lock.withLock {}
    }
}
