import Synchronization

/// The environment variables a config reads that are not set, when it is read without its
/// environment (`nightshift check --without-env`, in CI, where production secrets are not):
/// each stands in as `unset-NAME`, and an error about a value that reads one is left out,
/// since the value cannot be checked until the variable is there.
final class UnsetVariables: Sendable {
    private let names = Mutex<Set<String>>([])

    /// Records `name` as read and unset; answers its stand-in.
    func standIn(for name: String) -> String {
        record(name)
        return "unset-\(name)"
    }

    /// Records `name` as needed and unset.
    func record(_ name: String) {
        names.withLock { _ = $0.insert(name) }
    }

    /// Every name recorded, sorted.
    var all: [String] { names.withLock { $0.sorted() } }

    /// Whether `text` (a scalar as written) reads one of the recorded variables.
    func isRead(in text: String) -> Bool {
        names.withLock { names in names.contains { text.contains("${\($0)}") || text.contains("${\($0):-") } }
    }
}
