import Testing

@testable import NightshiftJobKinds

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct CloseOnExecPipeTests {
    @Test("both ends of a pipe are closed in programs started later, from the moment it is made, and carry bytes")
    func closeOnExec() throws {
        let ends = try CloseOnExecPipe.make().get()
        defer {
            close(ends.read)
            close(ends.write)
        }
        #expect(fcntl(ends.read, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(ends.write, F_GETFD) & FD_CLOEXEC != 0)
        #expect(write(ends.write, "x", 1) == 1)
        var byte: UInt8 = 0
        #expect(read(ends.read, &byte, 1) == 1 && byte == UInt8(ascii: "x"))
    }
}
