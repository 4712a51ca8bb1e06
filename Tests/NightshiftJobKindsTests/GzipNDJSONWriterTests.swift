import Foundation
import NightshiftTestSupport
import NightshiftTesting
import Testing

@testable import NightshiftJobKinds

@Suite struct GzipNDJSONWriterTests {
    /// `gzip -t`'s exit status for `path`: 0 when the file is complete gzip.
    func gzipTest(_ path: String) async throws -> Int32 {
        let process = try TestProcess("/bin/sh", ["-c", "gzip -t \"$0\" 2>/dev/null", path])
        defer { process.kill() }
        return try await process.exitStatus()
    }

    @Test("after every flush the archive is a complete gzip file, as a purge killed then leaves it; members read as one text")
    func completeAfterEachFlush() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("runs.ndjson.gz").path
        let writer = try GzipNDJSONWriter(path: path)
        try writer.write(["{\"id\":1}", "{\"id\":2}"])
        try writer.flush()
        // Not finished: as a SIGKILL after the first chunk's commit leaves it.
        #expect(try await gzipTest(path) == 0)
        #expect(try await gunzip(path) == "{\"id\":1}\n{\"id\":2}\n")
        try writer.flush()
        try writer.write(["{\"id\":3}"])
        try writer.flush()
        try writer.finish()
        #expect(try await gzipTest(path) == 0)
        #expect(try await gunzip(path) == "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n")

        let empty = folder.appendingPathComponent("empty.ndjson.gz").path
        let nothing = try GzipNDJSONWriter(path: empty)
        try nothing.finish()
        #expect(try await gzipTest(empty) == 0)
        let nothingRead = try await gunzip(empty)
        #expect(nothingRead.isEmpty)
    }
}
