import Testing

@testable import Nightshift

@Suite struct ParamNameTests {
    @Test("names that would share an environment variable, or hold anything but a name, and values with a NUL are refused")
    func problems() {
        #expect(ParamName.problem(in: ["day": "1", "tenant-id": "x", "a.b": 1]) == nil)
        #expect(ParamName.problem(in: ["a": 1, "A": 2])?.contains("differ only in case") == true)
        #expect(ParamName.problem(in: ["day-1": 1, "day_1": 2])?.contains("NIGHTSHIFT_PARAM_DAY_1") == true)
        #expect(ParamName.problem(in: ["a\u{0}b": 1])?.contains("must be 1 to 64") == true)
        #expect(ParamName.problem(in: ["": 1]) != nil)
        #expect(ParamName.problem(in: [String(repeating: "x", count: 65): 1]) != nil)
        #expect(ParamName.environmentName("tenant-id.v2") == "NIGHTSHIFT_PARAM_TENANT_ID_V2")
        #expect(
            ParamName.problem(in: ["tenant": "acme\u{0}evil"])
                == "param 'tenant' holds a NUL character, which no program's environment can carry")
    }

    @Test("job names that are folders or API paths are refused")
    func reservedJobNames() {
        for name in [".", "..", "runs", "status"] {
            #expect(throws: JobDefinitionError.self) { try Job(name: name) { _ in [:] } }
        }
        #expect(throws: Never.self) { try Job(name: "runs-daily") { _ in [:] } }
    }
}
