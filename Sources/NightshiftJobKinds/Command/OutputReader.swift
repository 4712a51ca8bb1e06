import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The read end of a program's output pipe, drained on a thread of its own into
/// ``OutputCapture``s.
///
/// Both ends are close-on-exec, so no other program started meanwhile inherits them
/// and holds the pipe open. The reading stops at the end of the output, or, once
/// ``finish(within:)`` is called, at a deadline: a background process the program left behind
/// may hold the pipe open for ever, and the run must end all the same. The read end is closed
/// when the reading stops, whatever the reason.
final class OutputReader: Sendable {
    /// The end the program writes to; it belongs to the caller, who hands it to the program.
    let writeEnd: CInt
    private let readEnd: CInt
    private let captures: [OutputCapture]

    private struct State {
        var deadline: ContinuousClock.Instant?
        var ended: Bool?
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }
    private let state = Mutex(State())

    /// Opens the pipe and starts reading into each of `captures`; throws when the process is
    /// out of descriptors.
    init(into captures: OutputCapture...) throws(MaintenanceError) {
        switch CloseOnExecPipe.make() {
        case .success(let ends):
            readEnd = ends.read
            writeEnd = ends.write
        case .failure(let error):
            throw MaintenanceError.commandNotStarted("(output pipe)", reason: error.description)
        }
        self.captures = captures
        Thread { [self] in self.drain() }.start()
    }

    private func drain() {
        let capacity = 65_536
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { buffer.deallocate() }
        var reachedEnd = false
        while true {
            if let deadline = state.withLock({ $0.deadline }), ContinuousClock.now >= deadline { break }
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready < 0, errno != EINTR { break }
            guard ready > 0 else { continue }
            let count = read(readEnd, buffer.baseAddress, capacity)
            if count == 0 {
                reachedEnd = true
                break
            }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break
            }
            for capture in captures { capture.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        }
        close(readEnd)
        let waiters = state.withLock { state in
            state.ended = reachedEnd
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: reachedEnd) }
    }

    /// Waits until the output ends, reading for at most `limit` more; true when it ended, false
    /// when something still held the pipe open at the deadline.
    func finish(within limit: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state -> Bool? in
                if let ended = state.ended { return ended }
                state.deadline = state.deadline ?? ContinuousClock.now + limit
                state.waiters.append(continuation)
                return nil
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }
}
