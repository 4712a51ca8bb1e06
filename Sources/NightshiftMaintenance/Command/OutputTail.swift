import Foundation
import Synchronization

/// Keeps the last lines of a program's output as it arrives, from the reading thread, and hands
/// them over once the output ends.
final class OutputTail: Sendable {
    private struct State {
        var lines: [String] = []
        var partial = Data()
        var finished = false
        var waiters: [CheckedContinuation<[String], Never>] = []
    }
    private let keeping: Int
    private let state = Mutex(State())

    init(keeping: Int) {
        self.keeping = keeping
    }

    func append(_ data: Data) {
        state.withLock { state in
            state.partial.append(data)
            while let newline = state.partial.firstIndex(of: 0x0A) {
                state.lines.append(String(decoding: state.partial[state.partial.startIndex..<newline], as: UTF8.self))
                state.partial.removeSubrange(state.partial.startIndex...newline)
            }
            if state.lines.count > keeping { state.lines.removeFirst(state.lines.count - keeping) }
        }
    }

    func finish() {
        let (lines, waiters) = state.withLock { state -> ([String], [CheckedContinuation<[String], Never>]) in
            if !state.partial.isEmpty { state.lines.append(String(decoding: state.partial, as: UTF8.self)) }
            state.partial = Data()
            if state.lines.count > keeping { state.lines.removeFirst(state.lines.count - keeping) }
            state.finished = true
            defer { state.waiters = [] }
            return (state.lines, state.waiters)
        }
        for waiter in waiters { waiter.resume(returning: lines) }
    }

    /// The last lines, once the output has ended.
    func lines() async -> [String] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [String]? in
                guard state.finished else {
                    state.waiters.append(continuation)
                    return nil
                }
                return state.lines
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
