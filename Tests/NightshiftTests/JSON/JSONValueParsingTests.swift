import Foundation
import NightshiftTestSupport
import NightshiftTesting
import PropertyBased
import Testing

@testable import Nightshift

@Suite struct JSONValueParsingTests {
    @Test(arguments: [
        ("\"\\ud800\\u0041\"", "surrogate"),  // a high surrogate and no low one: trapped on underflow before
        ("\"\\udc00\"", "low surrogate"),
        ("\"\\ud800\"", "surrogate"),
        ("{\"n\": 1e999}", "out of range"),  // stored as {"n":inf} before, which could not be read back
        ("-1e400", "out of range"),
        ("\"\\x\"", "unknown escape"),
        ("+1", "expected a value"),
        ("01", "trailing"),
        ("1.", "decimal point"),
        ("\"a\tb\"", "control character"),
        ("[1,]", "a trailing comma before ']'"),
        ("{\"a\" 1}", "expected :"),
        ("nul", "expected null"),
        ("", "unexpected end"),
    ])
    func refusesWhatRFC8259Refuses(text: String, reason: String) {
        #expect {
            try JSONValue(parsing: text)
        } throws: { error in
            (error as? JSONParseError)?.reason.contains(reason) == true
        }
    }

    @Test func refusesDeepNestingWithoutExhaustingTheStack() {
        // 65,000 brackets overflowed the stack of the recursive parser (exit 139).
        let text = String(repeating: "[", count: 65_000)
        #expect {
            try JSONValue(parsing: text)
        } throws: { error in
            (error as? JSONParseError)?.reason.contains("nested deeper than 128") == true
        }
        let deepest = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(throws: Never.self) { try JSONValue(parsing: deepest) }
    }

    @Test func refusesTextPastTheSizeBound() {
        let text = "\"" + String(repeating: "a", count: JSONValue.maximumTextBytes) + "\""
        #expect {
            try JSONValue(parsing: text)
        } throws: { error in
            (error as? JSONParseError)?.reason.contains("longer than") == true
        }
    }

    @Test func readsEscapesAndSurrogatePairs() throws {
        let value = try JSONValue(parsing: #"["\ud83d\ude00", "\u00e9\/\"\\\b\f\n\r\t", -0.5e2, 0, 1E+2]"#)
        #expect(value == .array([.string("😀"), .string("é/\"\\\u{8}\u{c}\n\r\t"), .number(-50), .number(0), .number(100)]))
    }

    @Test("a trailing comma is refused with its own message, though Foundation accepts it")
    func trailingComma() {
        for text in ["[1,2,]", "{\"a\":1,}", "[1, \n]"] {
            #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
            do {
                _ = try JSONValue(parsing: text)
            } catch {
                #expect(error.reason.contains("trailing comma"), "\(error)")
            }
        }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "[,]") }
    }

    @Test func writesNonFiniteNumbersAsNull() throws {
        let object: JSONValue = .object(["inf": .number(.infinity), "nan": .number(.nan), "n": 1])
        #expect(object.jsonText == #"{"inf":null,"nan":null,"n":1}"#)
        #expect(try JSONValue(parsing: object.jsonText) == .object(["inf": .null, "nan": .null, "n": 1]))
        let encoded = String(decoding: try JSONEncoder().encode(object), as: UTF8.self)
        #expect(encoded.contains("\"inf\":null"))
    }

    @Test func agreesWithFoundationOnFragmentSoup() async {
        await propertyCheck(count: FuzzBudget.count, input: Gen.element(of: Self.fragments).array(of: 1...24)) { pieces in
            Self.compareWithFoundation(pieces.compactMap { $0 }.joined())
        }
    }

    @Test func agreesWithFoundationOnGeneratedDocuments() async {
        await propertyCheck(count: FuzzBudget.count, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let value = Self.randomValue(depth: 0, using: &random)
            Self.compareWithFoundation(Self.spaced(value.jsonText, using: &random))
            #expect((try? JSONValue(parsing: value.jsonText)).map { Normal($0) } == Normal(value))
        }
    }

    // MARK: - The differential oracle

    /// Pieces of JSON and of near-JSON, joined at random: most joins are invalid, which is what
    /// exercises the error paths.
    static let fragments = [
        "{", "}", "[", "]", ":", ",", " ", "\n", "\"a\"", "\"k\"", "\"\\u0041\"", "\"\\ud83d\\ude00\"", "\"\\ud800\"",
        "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\x\"", "\"\\/\"", "\"\\n\"", "\"é\"", "\"\t\"", "\"\\u00\"", "0", "-0", "01",
        "1.5",
        "1.", ".5", "-", "+1", "1e5", "1E+2", "1e-2", "1e999", "-1e999", "12345678901234567890", "true", "false", "null",
        "nul", "\"", "\\", "\"\\", "tru", "NaN", "Infinity", "[]", "{}", "{\"a\":1}", "[1,2]",
    ]

    /// Refusals that are ours by design where Foundation may accept: lone surrogates (it
    /// substitutes U+FFFD), numbers that would read back as infinity, and trailing commas (it
    /// accepts `[1,]` and `{"a":1,}`).
    static func refusedByDesign(_ error: JSONParseError) -> Bool {
        error.reason.contains("surrogate") || error.reason.contains("out of range") || error.reason.contains("trailing comma")
    }

    static func compareWithFoundation(_ text: String) {
        let ours = Result { () throws(JSONParseError) in try JSONValue(parsing: text) }
        let theirs = Result { try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) }
        switch (ours, theirs) {
        case (.success(let value), .success(let object)):
            #expect(Normal(value) == Normal(foundation: object), "different values for \(text.debugDescription)")
        case (.failure, .failure):
            break
        case (.success, .failure(let error)):
            Issue.record("accepted \(text.debugDescription), which Foundation refuses: \(error)")
        case (.failure(let error), .success):
            #expect(refusedByDesign(error), "refused \(text.debugDescription), which Foundation accepts: \(error)")
        }
    }

    /// A JSON value with objects as dictionaries (Foundation keeps no key order), numbers as
    /// doubles compared with a relative tolerance (Foundation may parse integers exactly).
    indirect enum Normal: Equatable {
        case null, bool(Bool), number(Double), string(String), array([Normal]), object([String: Normal])

        init(_ value: JSONValue) {
            switch value {
            case .null: self = .null
            case .bool(let bool): self = .bool(bool)
            case .number(let number): self = .number(number)
            case .string(let string): self = .string(string)
            case .array(let values): self = .array(values.map(Normal.init))
            case .object(let object): self = .object(Dictionary(object.entries.map { ($0, Normal($1)) }) { _, last in last })
            }
        }

        init(foundation value: Any) {
            switch value {
            case is NSNull: self = .null
            case let string as String: self = .string(string)
            case let array as [Any]: self = .array(array.map { Normal(foundation: $0) })
            case let object as [String: Any]: self = .object(object.mapValues { Normal(foundation: $0) })
            case let number as NSNumber:
                self = String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
            default: self = .string("unexpected \(type(of: value))")
            }
        }

        static func == (left: Normal, right: Normal) -> Bool {
            switch (left, right) {
            case (.null, .null): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.number(let a), .number(let b)): return a == b || abs(a - b) <= abs(a) * 1e-12
            case (.string(let a), .string(let b)): return a == b
            case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy(==)
            case (.object(let a), .object(let b)): return a.count == b.count && a.allSatisfy { key, value in b[key] == value }
            default: return false
            }
        }
    }

    /// SplitMix64: a seeded generator, so a failing seed reproduces.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static let sampleStrings = ["", "a", "é", "😀", "line\nbreak", "tab\t", "quote\"", "back\\slash", "\u{1}", "κλειδί", "\u{7f}"]

    static func randomValue(depth: Int, using random: inout SplitMix) -> JSONValue {
        switch random.next(depth > 4 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(random.next(2) == 0)
        case 2: return .number(Double(random.next(2_000_000)) - 1_000_000)
        case 3: return .number(Double(random.next(1_000_000)) / 1_000 * pow(10, Double(random.next(40) - 20)))
        case 4: return .string(sampleStrings[random.next(sampleStrings.count)])
        case 5: return .array((0..<random.next(5)).map { _ in randomValue(depth: depth + 1, using: &random) })
        default:
            var object = JSONObject()
            for _ in 0..<random.next(5) {
                object[sampleStrings[random.next(sampleStrings.count)]] = randomValue(depth: depth + 1, using: &random)
            }
            return .object(object)
        }
    }

    /// The text with whitespace added after some structural characters (outside strings).
    static func spaced(_ text: String, using random: inout SplitMix) -> String {
        var output = ""
        var inString = false
        var escaped = false
        for character in text {
            output.append(character)
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
            } else if character == "\"" {
                inString = true
            } else if ",:[{".contains(character), random.next(3) == 0 {
                output += [" ", "\n", "\t", "\r\n  "][random.next(4)]
            }
        }
        return output
    }
}
