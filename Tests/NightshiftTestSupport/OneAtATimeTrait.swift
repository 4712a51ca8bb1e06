import Testing

/// Runs each test case it marks alone among the marked ones: at most one at a time in the
/// whole test process, while unmarked tests go on in parallel beside it.
///
/// For the heavyweight end-to-end tests: several `serve` processes, a browser, benchmarks,
/// programs killed on purpose. Run together on a two-core machine they starved one another,
/// and what each waits for (a lease, a heartbeat, a page) came later than any sane bound.
/// Mark a suite (`@Suite(.oneAtATime)`) or a test.
public struct OneAtATimeTrait: TestTrait, SuiteTrait, TestScoping {
    /// Applies to every test of a marked suite.
    public var isRecursive: Bool { true }

    /// Runs a test case once no other marked one runs; a suite itself is not held.
    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }
        await OneAtATimeGate.shared.enter()
        do {
            try await function()
        } catch {
            await OneAtATimeGate.shared.leave()
            throw error
        }
        await OneAtATimeGate.shared.leave()
    }
}

extension Trait where Self == OneAtATimeTrait {
    /// Runs the marked tests one at a time (see ``OneAtATimeTrait``).
    public static var oneAtATime: Self { OneAtATimeTrait() }
}

/// The one place a marked test holds while it runs; the others wait in order of arrival.
actor OneAtATimeGate {
    static let shared = OneAtATimeGate()
    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            held = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
