#if canImport(Glibc)
    import Glibc
#endif

/// A pipe whose ends no program started later inherits, marked so as it is made
/// (`pipe2(O_CLOEXEC)`): marked a moment after, a program that other code started in that
/// instant could inherit an end and hold the pipe open.
enum CloseOnExecPipe {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32

    /// Glibc's Swift module does not export `pipe2`, so it is looked up by name once.
    private static let pipe2: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }

    /// The read and write ends; `errno`'s text when no pipe could be made (out of descriptors).
    static func make() -> Result<(read: Int32, write: Int32), PipeError> {
        var ends: [Int32] = [-1, -1]
        if let pipe2 {
            guard pipe2(&ends, O_CLOEXEC) == 0 else { return .failure(PipeError()) }
        } else {
            guard pipe(&ends) == 0 else { return .failure(PipeError()) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        return .success((ends[0], ends[1]))
    }

    /// Why no pipe could be made: `errno`'s text.
    struct PipeError: Error, CustomStringConvertible {
        let description = String(cString: strerror(errno))
    }
}
