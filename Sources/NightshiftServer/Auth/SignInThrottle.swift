import Synchronization

/// How many wrong tokens each client address may still present: `burst` at once, then one
/// more every `refill`. Without it a client tried 3,420 tokens a second at the dashboard's
/// sign-in.
final class SignInThrottle: Sendable {
    private struct Budget {
        var left: Double
        var updated: ContinuousClock.Instant
    }

    private let budgets = Mutex<[String: Budget]>([:])
    private let burst: Double
    private let refill: Duration
    /// More addresses than this and the fully refilled ones are forgotten.
    private let remembered = 10_000

    /// A throttle that lets each address present `burst` wrong tokens, then one every `refill`.
    init(burst: Int = 20, refill: Duration = .seconds(3)) {
        self.burst = Double(burst)
        self.refill = refill
    }

    /// How long `address` must wait before it may present a token again; nil when it may now.
    func wait(for address: String) -> Duration? {
        let now = ContinuousClock.now
        return budgets.withLock { budgets in
            guard let budget = budgets[address].map({ refilled($0, at: now) }), budget.left < 1 else { return nil }
            return refill * (1 - budget.left)
        }
    }

    /// Notes that `address` presented a wrong token.
    func noteFailure(from address: String) {
        let now = ContinuousClock.now
        budgets.withLock { budgets in
            var budget = budgets[address].map { refilled($0, at: now) } ?? Budget(left: burst, updated: now)
            budget.left = max(0, budget.left - 1)
            budgets[address] = budget
            if budgets.count > remembered {
                budgets = budgets.filter { refilled($0.value, at: now).left < burst }
            }
        }
    }

    private func refilled(_ budget: Budget, at now: ContinuousClock.Instant) -> Budget {
        let earned = (now - budget.updated) / refill
        return Budget(left: min(burst, budget.left + earned), updated: now)
    }
}
