import Foundation
import Nightshift
import Testing

@Suite struct UUIDVersion7Tests {
    @Test("version 7 ids carry their millisecond, the version and variant bits, and sort by time")
    func layout() {
        let moment = Date(timeIntervalSince1970: 1_800_000_000.123)
        let id = UUID.version7(at: moment)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_800_000_000_123)
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        let later = UUID.version7(at: moment.addingTimeInterval(0.002))
        #expect(id.uuidString.lowercased() < later.uuidString.lowercased())
        let many = Set((0..<10_000).map { _ in UUID.version7(at: moment) })
        #expect(many.count == 10_000, "the random bits tell ids of the same millisecond apart")
    }
}
