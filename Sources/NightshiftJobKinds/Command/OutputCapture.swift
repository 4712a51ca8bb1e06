import Synchronization

/// Keeps the last lines of a program's output as it arrives, in time linear in the output and
/// memory bounded whatever the program writes: at most `keeping` lines of at most
/// `maximumLineBytes` bytes each (a longer line keeps its start and says how much was cut).
///
/// A program that writes one 16 MB line used to cost minutes of CPU (the partial line was
/// searched and copied again for every chunk) and put the whole line into the run's details.
final class OutputCapture: Sendable {
    /// What a line longer than ``maximumLineBytes`` ends with, after its kept start.
    static let truncationMark = " … (line cut at "

    private struct State {
        var lines: [String] = []
        /// The line being read: at most `maximumLineBytes` bytes of it.
        var partial: [UInt8] = []
        /// Bytes of the current line past `maximumLineBytes`, dropped.
        var droppedFromLine = 0
        var totalBytes = 0
    }
    private let keeping: Int
    private let maximumLineBytes: Int
    private let state = Mutex(State())

    init(keeping: Int, maximumLineBytes: Int = 4_096) {
        self.keeping = max(0, keeping)
        self.maximumLineBytes = max(1, maximumLineBytes)
    }

    /// Adds a chunk of output; each byte is looked at once.
    func append(_ chunk: UnsafeRawBufferPointer) {
        state.withLock { state in
            state.totalBytes += chunk.count
            var start = chunk.startIndex
            while start < chunk.endIndex {
                let newline = chunk[start...].firstIndex(of: 0x0A)
                let end = newline ?? chunk.endIndex
                let room = maximumLineBytes - state.partial.count
                let piece = end - start
                if piece <= room {
                    state.partial.append(contentsOf: chunk[start..<end])
                } else {
                    state.partial.append(contentsOf: chunk[start..<start + max(0, room)])
                    state.droppedFromLine += piece - max(0, room)
                }
                guard let newline else { break }
                endLine(&state)
                start = newline + 1
            }
        }
    }

    /// The line being read as text, with the mark of what was cut from it.
    private func unfinishedLine(_ state: State) -> String {
        let line = String(decoding: state.partial, as: UTF8.self)
        guard state.droppedFromLine > 0 else { return line }
        return line + "\(Self.truncationMark)\(maximumLineBytes) bytes: \(state.droppedFromLine) more)"
    }

    private func endLine(_ state: inout State) {
        let line = unfinishedLine(state)
        state.partial.removeAll(keepingCapacity: true)
        state.droppedFromLine = 0
        guard keeping > 0 else { return }
        if state.lines.count == keeping { state.lines.removeFirst() }
        state.lines.append(line)
    }

    /// The last lines so far, the unfinished one included, as one text; the capture goes on.
    func snapshot() -> String {
        state.withLock { state in
            var lines = state.lines
            if !state.partial.isEmpty || state.droppedFromLine > 0 {
                if keeping > 0, lines.count == keeping { lines.removeFirst() }
                lines.append(unfinishedLine(state))
            }
            return lines.suffix(keeping).joined(separator: "\n")
        }
    }

    /// The last lines, the unfinished one included, and how many bytes the program wrote.
    func finish() -> (lines: [String], totalBytes: Int) {
        state.withLock { state in
            if !state.partial.isEmpty || state.droppedFromLine > 0 { endLine(&state) }
            return (state.lines, state.totalBytes)
        }
    }
}
