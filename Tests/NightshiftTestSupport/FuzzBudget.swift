import Foundation

/// How many generated inputs each property test of a parser checks: a bounded number in the
/// test command, many more from `scripts/fuzz.sh`, which sets `NIGHTSHIFT_FUZZ_COUNT`.
public enum FuzzBudget {
    /// The number of cases per property.
    public static var count: Int {
        ProcessInfo.processInfo.environment["NIGHTSHIFT_FUZZ_COUNT"].flatMap(Int.init).map { max(1, $0) } ?? 3_000
    }
}
