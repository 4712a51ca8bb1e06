import Nightshift
import Synchronization
import Testing

@Suite struct TaskBoundedWaitTests {
    /// A task that ignores cancellation until ``release()``, as a hung PostgresNIO call did.
    final class Gate: Sendable {
        private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let opened = Mutex(false)

        func wait() async {
            await withCheckedContinuation { continuation in
                let openAlready = opened.withLock { opened in
                    if !opened { waiter.withLock { $0 = continuation } }
                    return opened
                }
                if openAlready { continuation.resume() }
            }
        }

        func release() {
            let continuation = opened.withLock { opened in
                opened = true
                return waiter.withLock { waiter in
                    defer { waiter = nil }
                    return waiter
                }
            }
            continuation?.resume()
        }
    }

    @Test("a task that ignores cancellation is given up on after the limit, not waited for for good")
    func givesUp() async throws {
        let gate = Gate()
        let hung = Task { await gate.wait() }
        hung.cancel()
        // Still hung when the limit passes: the wait returns, saying so (before, it never returned).
        #expect(await hung.ended(within: .milliseconds(200)) == false)
        gate.release()
        #expect(await hung.ended(within: .seconds(10)))
    }

    @Test("cancelling the wait ends it, and the task it waited for goes on")
    func cancelledWait() async throws {
        let gate = Gate()
        let hung = Task { await gate.wait() }
        let waiting = Task { await hung.ended(within: .seconds(3600)) }
        waiting.cancel()
        #expect(await waiting.value == false)
        gate.release()
        #expect(await hung.ended(within: .seconds(60)))
    }

    @Test("a task that ends within the limit is reported as ended")
    func endsInTime() async throws {
        let quick = Task<Void, Never> { try? await Task.sleep(for: .milliseconds(20)) }
        #expect(await quick.ended(within: .seconds(60)))
    }
}
