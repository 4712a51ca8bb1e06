import Foundation

extension UUID {
    /// The UUID in its 36-character form, lowercase: how stores keep run ids and how the CLI
    /// and the API show them.
    ///
    /// Foundation's `uuidString` goes through `snprintf` on Linux and `UUID(uuidString:)`
    /// through `sscanf`; with a thousand runs per claim and per completion batch the two were
    /// a tenth of the engine's CPU (measured with perf). These work on the bytes directly.
    package var lowercasedText: String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var index = 0
                for (position, byte) in bytes.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        text[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    digits.withUTF8Buffer { hex in
                        text[index] = hex[Int(byte >> 4)]
                        text[index + 1] = hex[Int(byte & 0x0F)]
                    }
                    index += 2
                }
                return index
            }
        }
    }

    /// Parses the 36-character form (`8-4-4-4-12` hexadecimal digits, either case); nil for
    /// anything else.
    package init?(text: some StringProtocol) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed =
            text.utf8.withContiguousStorageIfAvailable { utf8 in
                withUnsafeMutableBytes(of: &bytes) { Self.parse(utf8, into: $0) }
            } ?? withUnsafeMutableBytes(of: &bytes) { Self.parse(Array(text.utf8), into: $0) }
        guard parsed else { return nil }
        self.init(uuid: bytes)
    }

    private static func parse(_ utf8: some Collection<UInt8>, into bytes: UnsafeMutableRawBufferPointer) -> Bool {
        guard utf8.count == 36 else { return false }
        var high: UInt8?
        var byteIndex = 0
        for (position, character) in utf8.enumerated() {
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard character == UInt8(ascii: "-") else { return false }
                continue
            }
            guard let value = hexValue(character) else { return false }
            if let first = high {
                bytes[byteIndex] = first << 4 | value
                byteIndex += 1
                high = nil
            } else {
                high = value
            }
        }
        return true
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
