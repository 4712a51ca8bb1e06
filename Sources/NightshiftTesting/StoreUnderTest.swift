import Nightshift

/// A fresh, migrated store handed to a conformance check, with a way to let time pass by the
/// store's clock: a real wait on a database, a clock move on a ``MemoryJobStore``.
public struct StoreUnderTest: Sendable {
    /// The store, empty and migrated.
    public let store: any JobStore
    private let passTime: @Sendable (Duration) async throws -> Void

    /// `store` with `passTime`, which returns once `duration` has passed by the store's clock.
    public init(store: any JobStore, passTime: @escaping @Sendable (Duration) async throws -> Void) {
        self.store = store
        self.passTime = passTime
    }

    /// A memory store on a manual clock that `pass(_:)` moves.
    public static func memory() -> StoreUnderTest {
        let clock = ManualClock()
        return StoreUnderTest(store: MemoryJobStore(clock: clock), passTime: { clock.advance(by: $0) })
    }

    /// Returns once `duration` has passed by the store's clock.
    public func pass(_ duration: Duration) async throws {
        try await passTime(duration)
    }
}
