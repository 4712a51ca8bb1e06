import Testing

@testable import NightshiftConfig

@Suite struct ConfigSizeLimitTests {
    @Test("a config whose aliases expand past the bound is an error naming a line, found without expanding it")
    func aliasBomb() {
        // Nine levels of nine aliases each: 387 million values once expanded.
        var yaml = "a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for level in 1...8 {
            let previous = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(previous)]\n"
        }
        yaml += "jobs:\n  call:\n    kind: http\n    url: http://127.0.0.1:9/\n    body: *a8\n"
        #expect {
            try NightshiftConfiguration.parse(yaml: yaml, file: "bomb.yml", environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("bomb.yml:")
                && text.contains("more than 200000 values once its aliases (*name) are expanded")
        }
    }

    @Test("a config nested deeper than 64 lists is an error; an ordinary one is read")
    func depth() throws {
        let deep = "jobs: {}\nx: " + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "\n"
        #expect {
            try NightshiftConfiguration.parse(yaml: deep, file: "deep.yml", environment: [:])
        } throws: { error in
            "\(error)".contains("lists and mappings nest more than 64 deep")
        }
        let config = try NightshiftConfiguration.parse(
            yaml: "jobs:\n  call: { kind: http, url: \"http://127.0.0.1:9/\", body: { a: [1, 2, { b: c }] } }\n",
            file: "ok.yml", environment: [:])
        #expect(config.jobs.count == 1)
    }
}
