import Foundation
import Nightshift
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The result protocol of `command` jobs: a file the program appends JSON lines to while it
/// runs, named to it in `NIGHTSHIFT_RESULT_FILE`, one object with one key per line:
///
/// ```
/// {"progress": 40}                          progress in percent, seen through the API while it runs
/// {"report": "Removed 3 expired sessions"}  a line for the people watching, as built-in jobs report
/// {"details": {"expiredCount": 3}}          the run's details (several lines merge, later keys win)
/// ```
///
/// Nightshift never parses the program's ordinary output for this. The file lives in a folder
/// of its own (mode 0700) removed after the attempt. Lines are read as they are completed (the
/// last one also without its newline, once the program ended), at most 1 MiB in all and 64 KiB each; a line that is not such an object is skipped with a
/// warning in the log, never a failure of the run.
final class ResultFile: Sendable {
    /// The most of the file that is read.
    static let maximumBytes = 1 << 20
    /// The longest line that is read.
    static let maximumLineBytes = 64 << 10

    /// The file's path, for `NIGHTSHIFT_RESULT_FILE`.
    let path: String
    private let folder: String
    private struct State {
        var offset: UInt64 = 0
        var partial: [UInt8] = []
        var details = JSONObject()
        var reported = false
        var overLimit = false
        var lineNumber = 0
        /// Set once the path holds something other than a regular file: never read again.
        var refused = false
    }
    private let state = Mutex(State())

    /// Makes the folder and the empty file; throws, naming the folder and the setting, when it
    /// cannot (a read-only root file system without a writable `/tmp` or `TMPDIR`).
    init() throws(MaintenanceError) {
        let parent = FileManager.default.temporaryDirectory
        let folder = parent.appendingPathComponent("nightshift-result-\(UUID().uuidString)")
        guard mkdir(folder.path, 0o700) == 0 else {
            throw MaintenanceError.commandNotStarted(
                "(result file)",
                reason:
                    "cannot create a folder for NIGHTSHIFT_RESULT_FILE in \(parent.path): \(String(cString: strerror(errno))); set TMPDIR to a writable folder (under Kubernetes with a read-only root file system, mount an emptyDir at /tmp)"
            )
        }
        self.folder = folder.path
        path = folder.appendingPathComponent("result.jsonl").path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw MaintenanceError.commandNotStarted("(result file)", reason: "cannot create \(path)")
        }
    }

    /// The details the program reported, or nil when it reported none.
    var details: JSONObject? {
        state.withLock { $0.reported ? $0.details : nil }
    }

    /// Reads what was appended since the last call and acts on each complete line: progress and
    /// report lines through `context`, details kept. With `final` (the program has ended), a
    /// last line without its newline counts too.
    ///
    /// The path is the program's to write, and it may put anything there: it is opened without
    /// following a link and without waiting (a FIFO would block the open until a writer came),
    /// and read only while it is a regular file.
    func read(into context: JobContext, final: Bool = false) {
        guard !state.withLock({ $0.refused }) else { return }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            state.withLock { $0.refused = true }
            context.logger.warning("NIGHTSHIFT_RESULT_FILE was replaced by something other than a file; it is not read")
            return
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        state.withLock { state in
            defer {
                if final, !state.partial.isEmpty {
                    state.lineNumber += 1
                    let line = state.partial
                    state.partial.removeAll()
                    Self.apply(line, number: state.lineNumber, to: &state, context: context)
                }
            }
            guard !state.overLimit else { return }
            let room = Self.maximumBytes - Int(state.offset)
            guard (try? handle.seek(toOffset: state.offset)) != nil,
                let chunk = try? handle.read(upToCount: max(0, room) + 1), !chunk.isEmpty
            else { return }
            if chunk.count > room {
                state.overLimit = true
                context.logger.warning("the result file passed \(Self.maximumBytes) bytes; the rest is not read")
            }
            let taken = chunk.prefix(room)
            state.offset += UInt64(taken.count)
            for byte in taken {
                guard byte == 0x0A else {
                    if state.partial.count <= Self.maximumLineBytes { state.partial.append(byte) }
                    continue
                }
                state.lineNumber += 1
                let line = state.partial
                state.partial.removeAll(keepingCapacity: true)
                Self.apply(line, number: state.lineNumber, to: &state, context: context)
            }
        }
    }

    /// Removes the folder and the file.
    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The longest report line; the rest is cut, and said so.
    static let maximumReportCharacters = 1_024

    /// A report line as one line of the log: control characters (a newline would forge a line
    /// of its own) as spaces, at most ``maximumReportCharacters``.
    static func reportLine(_ text: String) -> String {
        var line = String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        if line.count > maximumReportCharacters {
            line = String(line.prefix(maximumReportCharacters)) + " … (cut)"
        }
        return line
    }

    private static func apply(_ bytes: [UInt8], number: Int, to state: inout State, context: JobContext) {
        guard bytes.count <= maximumLineBytes else {
            context.logger.warning("result file line \(number) is longer than \(maximumLineBytes) bytes; skipped")
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        guard case .object(let object) = try? JSONValue(parsing: text), object.entries.count == 1,
            let entry = object.entries.first
        else {
            context.logger.warning(
                "result file line \(number) is not a JSON object with one key (progress, report or details); skipped")
            return
        }
        switch (entry.key, entry.value) {
        case ("progress", .number(let percent)) where percent.isFinite:
            context.progress(Int(max(0, min(100, percent))))
        case ("report", .string(let line)):
            context.report(reportLine(line))
        case ("details", .object(let details)):
            state.reported = true
            for (key, value) in details.entries { state.details[key] = value }
        default:
            context.logger.warning(
                "result file line \(number): '\(entry.key)' with this value is not progress (a number), report (text) or details (an object); skipped"
            )
        }
    }
}
