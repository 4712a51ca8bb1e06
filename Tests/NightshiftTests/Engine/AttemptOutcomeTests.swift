import Foundation
import Testing

@testable import Nightshift

@Suite struct AttemptOutcomeTests {
    let policy = RetryPolicy(maxAttempts: 3, backoffBase: .seconds(10), backoffMaximum: .seconds(60))

    func run(attempt: Int) -> Run {
        Run(
            id: .version7(), job: "j", status: .running, trigger: .api, attempt: attempt, maxAttempts: 3, runAfter: Date(),
            createdAt: Date())
    }

    @Test("an error advising no retry fails the run at once; one naming a time retries no sooner; others follow the policy")
    func retryAdvice() throws {
        let never = AttemptOutcome.completion(for: run(attempt: 1), result: .failed("404", advice: .never), retry: policy)
        #expect(never.outcome == .finished(.failed) && never.error == "404")
        let later = AttemptOutcome.completion(
            for: run(attempt: 1), result: .failed("429", advice: .notBefore(.seconds(120))), retry: policy)
        #expect(later.outcome == .retry(after: .seconds(120)))
        let soon = AttemptOutcome.completion(
            for: run(attempt: 1), result: .failed("503", advice: .notBefore(.seconds(1))), retry: policy)
        let delay = try #require(
            { if case .retry(let delay) = soon.outcome { delay } else { nil } }(), "no retry: \(soon.outcome)")
        #expect(delay >= .seconds(5) && delay <= .seconds(10), "the policy's wait when it is the longer")
        let last = AttemptOutcome.completion(for: run(attempt: 3), result: .failed("503"), retry: policy)
        #expect(last.outcome == .finished(.discarded))
    }
}
