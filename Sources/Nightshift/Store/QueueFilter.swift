/// Which queues a claim takes runs from.
public enum QueueFilter: Sendable, Equatable {
    /// Every queue.
    case any
    /// Only these queues.
    case only([String])
    /// Every queue but these.
    case excluding([String])
}
