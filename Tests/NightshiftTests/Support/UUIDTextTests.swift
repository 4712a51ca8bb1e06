import Foundation
import Nightshift
import Testing

@Suite struct UUIDTextTests {
    @Test("the text form matches Foundation's, lowercase, and parses back in either case")
    func roundTrip() {
        for _ in 0..<1_000 {
            let id = UUID()
            #expect(id.lowercasedText == id.uuidString.lowercased())
            #expect(UUID(text: id.lowercasedText) == id)
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(text: Substring(id.uuidString)) == id)
        }
        let edges = UUID(uuid: (0x00, 0x01, 0x09, 0x0a, 0x0f, 0x10, 0x9f, 0xa0, 0xf0, 0xff, 0x00, 0x7f, 0x80, 0xab, 0xcd, 0xef))
        #expect(edges.lowercasedText == "0001090a-0f10-9fa0-f0ff-007f80abcdef")
    }

    @Test(
        "anything but 8-4-4-4-12 hexadecimal digits is refused",
        arguments: [
            "", "not a uuid", "0192f3c4-5d6e-7f80-9a0b-1c2d3e4f506", "0192f3c4-5d6e-7f80-9a0b-1c2d3e4f50677",
            "0192f3c4x5d6e-7f80-9a0b-1c2d3e4f5067", "0192f3c4-5d6e-7f80-9a0b-1c2d3e4f506g",
            "{192f3c4-5d6e-7f80-9a0b-1c2d3e4f5067",
            "0192f3c45d6e7f809a0b1c2d3e4f5067abcd",
        ])
    func refusesMalformed(text: String) {
        #expect(UUID(text: text) == nil)
        #expect(UUID(uuidString: text) == nil, "Foundation refuses it as well")
    }
}
