import Foundation
import Testing

@testable import NightshiftServer

/// The dashboard's form decoding: anyone can post a body, so no text may trap it, and what a
/// browser encodes comes back as it was.
@Suite struct DashboardFormTests {
    @Test("fields, pluses, escapes, repeats and malformed pairs")
    func examples() {
        #expect(
            DashboardForm.parse("token=abc&csrf=1%2B2&params=tenant%3Dacme%0Aday%3D1") == [
                "token": "abc", "csrf": "1+2", "params": "tenant=acme\nday=1",
            ])
        #expect(DashboardForm.parse("a=b+c&a=d") == ["a": "d"])
        #expect(DashboardForm.parse("flag&empty=&=nameless") == ["flag": "", "empty": ""])
        // Not valid percent-encoding: left out, never a trap (URLComponents traps on it).
        #expect(DashboardForm.parse("token=%zz&ok=1&bad=%E2%28&spaces=a b") == ["ok": "1", "spaces": "a b"])
        #expect(DashboardForm.parse("") == [:])
        #expect(DashboardForm.parse("%") == [:])
    }

    /// What a browser sends for `fields`: every byte but the unreserved ones percent-encoded,
    /// spaces as `+`.
    static func browserEncoded(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~* ")
        func encode(_ text: String) -> String {
            (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: " ", with: "+")
        }
        return fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    @Test("random fields come back as a browser encoded them; random text never traps")
    func randomRoundTrips() {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("aZ09 +=&%-_.~*/?#[]@!$'()\n\té€😀\u{0}")
        func text(_ length: Int) -> String { String((0..<length).map { _ in alphabet.randomElement(using: &random)! }) }
        for _ in 0..<2_000 {
            var fields: [(String, String)] = []
            var expected: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                let name = text(Int.random(in: 1...8, using: &random))
                let value = text(Int.random(in: 0...12, using: &random))
                fields.append((name, value))
                expected[name] = value
            }
            let encoded = Self.browserEncoded(fields)
            #expect(DashboardForm.parse(encoded) == expected, "\(encoded.debugDescription)")
            // Raw text, as anyone may post it.
            _ = DashboardForm.parse(text(Int.random(in: 0...40, using: &random)))
        }
    }
}
