import CZlib
import Foundation

/// Writes lines of JSON into a gzip file. ``flush()`` ends a gzip member, synced, so that
/// everything written so far is a complete gzip file (`zcat` and `gzip -t` read it whole even if
/// the process dies afterwards), which is what lets `purge` commit a deletion only after the rows
/// are safely archived. A flush that only synced left a killed purge's archive without its
/// trailer: readable, but "unexpected end of file" to every tool that checks.
final class GzipNDJSONWriter {
    let path: String
    private var stream = z_stream()
    /// Whether lines went into the member begun last (or no member has ended yet: an archive of
    /// nothing is still one empty member).
    private var memberToEnd = true
    private let file: FileHandle
    private var output = [UInt8](repeating: 0, count: 64 * 1024)

    /// Creates `path`, readable by its owner only, and its folder; throws
    /// ``MaintenanceError/archiveFailed(path:reason:)``, also when the file exists already (an
    /// archive is never overwritten: its rows may be deleted from the database already).
    init(path: String) throws(MaintenanceError) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .archiveFailed(path: path, reason: "\(error.localizedDescription)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .archiveFailed(path: path, reason: String(cString: strerror(errno))) }
        file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        // The new name must survive a crash too, not only the bytes written to it.
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        // 15 + 16: a 32 KiB window with a gzip header and trailer rather than a raw zlib stream.
        let status = deflateInit2_(
            &stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .archiveFailed(path: path, reason: "zlib error \(status)") }
    }

    /// Adds each of `lines` followed by a newline.
    func write(_ lines: [String]) throws(MaintenanceError) {
        var text = lines.joined(separator: "\n")
        if !lines.isEmpty { text += "\n" }
        var bytes = Array(text.utf8)
        if !bytes.isEmpty { memberToEnd = true }
        try deflate(&bytes, mode: Z_NO_FLUSH)
    }

    /// Ends the member with its trailer and pushes everything written to the disk, synced; the
    /// next lines begin a new member.
    func flush() throws(MaintenanceError) {
        if memberToEnd {
            var none: [UInt8] = []
            try deflate(&none, mode: Z_FINISH)
            deflateReset(&stream)
            memberToEnd = false
        }
        do { try file.synchronize() } catch { throw .archiveFailed(path: path, reason: "\(error.localizedDescription)") }
    }

    /// Ends the last member and closes the file.
    func finish() throws(MaintenanceError) {
        if memberToEnd {
            var none: [UInt8] = []
            try deflate(&none, mode: Z_FINISH)
        }
        deflateEnd(&stream)
        do {
            try file.synchronize()
            try file.close()
        } catch {
            throw .archiveFailed(path: path, reason: "\(error.localizedDescription)")
        }
    }

    private func deflate(_ input: inout [UInt8], mode: Int32) throws(MaintenanceError) {
        var failure: MaintenanceError?
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            repeat {
                let produced: Int = output.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    let status = CZlib.deflate(&stream, mode)
                    if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                        failure = .archiveFailed(path: path, reason: "zlib error \(status)")
                    }
                    return target.count - Int(stream.avail_out)
                }
                if produced > 0 {
                    // The throwing write: a full disk must fail the chunk (nothing deleted), not the process.
                    do {
                        try file.write(contentsOf: Data(output[0..<produced]))
                    } catch {
                        failure = .archiveFailed(path: path, reason: "\(error.localizedDescription)")
                    }
                }
            } while failure == nil && stream.avail_out == 0
        }
        if let failure { throw failure }
    }
}
