import Hummingbird
import NIOCore

/// The request context ``AdminServer`` serves the API with: Hummingbird's basic one plus the
/// client's connection, so that a trigger waiting for its run stops when the client leaves.
public struct AdminRequestContext: RequestContext {
    /// Hummingbird's own state of the request.
    public var coreContext: CoreRequestContextStorage
    /// The client's connection.
    public let channel: any Channel

    /// A context for a request that arrived on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
