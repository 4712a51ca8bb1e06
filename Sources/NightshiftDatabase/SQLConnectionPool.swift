import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Nightshift
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import Synchronization

/// Connections to one database, PostgreSQL or SQLite, behind one interface.
///
/// PostgreSQL uses a `PostgresClient` pool. SQLite uses one connection in WAL mode with a busy
/// timeout, and serializes its users, since SQLite has a single writer anyway; other processes
/// on the same file wait on the busy timeout.
public final class SQLConnectionPool: Sendable {
    enum Backend: Sendable {
        case postgres(PostgresClient, Task<Void, Never>)
        case sqlite(SQLiteConnection, AsyncLock, NIOThreadPool)
    }

    let backend: Backend
    package let logger: Logger
    private let closed = Atomic<Bool>(false)
    /// The named locks of ``withExclusiveLock(named:pollInterval:_:)`` on SQLite.
    let namedLocks = Mutex<[String: AsyncLock]>([:])
    /// The SQL that differs between the two.
    public let dialect: SQLDialectFragments
    /// Where it connects, with the password masked.
    public let url: DatabaseURL

    private init(backend: Backend, dialect: SQLDialectFragments, url: DatabaseURL, logger: Logger) {
        self.backend = backend
        self.dialect = dialect
        self.url = url
        self.logger = logger
    }

    /// Opens `url`. PostgreSQL connects lazily on first use (``checkConnection()`` connects at
    /// once); SQLite opens (and creates) the file now. Throws when the SQLite file cannot be
    /// opened, or a certificate file of the URL cannot be read.
    public static func open(_ url: DatabaseURL, logger: Logger) async throws -> SQLConnectionPool {
        switch url {
        case .postgres(let host, let port, let user, let password, let database, let options):
            let tls = try options.tlsConfiguration()
            var configuration: PostgresClient.Configuration
            if let folder = options.socketDirectory {
                configuration = PostgresClient.Configuration(
                    unixSocketPath: Self.socketPath(folder: folder, port: port), username: user, password: password,
                    database: database)
            } else {
                let mode: PostgresClient.Configuration.TLS =
                    tls.map { options.sslMode == .prefer ? .prefer($0) : .require($0) } ?? .disable
                configuration = PostgresClient.Configuration(
                    host: host, port: port, username: user, password: password, database: database, tls: mode)
            }
            configuration.options.maximumConnections = options.poolSize
            configuration.options.connectTimeout = options.connectTimeout
            configuration.options.additionalStartupParameters = Self.startupParameters(options)
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            // Started immediately, so it is running before the first lease (a plain task may start
            // later, and PostgresNIO then warns that run() was not called).
            let runner = Task.immediate { await client.run() }
            return SQLConnectionPool(backend: .postgres(client, runner), dialect: .postgres, url: url, logger: logger)
        case .sqlite(let path):
            let storage: SQLiteConnection.Storage = path == ":memory:" ? .memory : .file(path: path)
            if path != ":memory:" {
                // SQLite creates the file, never its folder, and says only "cantOpen".
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                    throw DatabaseError(
                        sqliteFile: path, reason: "its folder \(folder) does not exist; create it, or fix the path")
                }
            }
            // A thread of its own: SQLite's busy timeout sleeps on the calling thread, and on a
            // shared pool that sleep would stall the very connection holding the lock.
            let thread = NIOThreadPool(numberOfThreads: 1)
            thread.start()
            let connection: SQLiteConnection
            do {
                connection = try await SQLiteConnection.open(
                    storage: storage, threadPool: thread, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
            } catch {
                try? await thread.shutdownGracefully()
                throw DatabaseError(
                    sqliteFile: path, reason: "\(error) (may this user read and write the file and its folder?)")
            }
            let database = connection.sql(queryLogLevel: .trace)
            // WAL lets readers (`nightshift runs`) work while `serve` writes; the busy timeout
            // makes a second process wait for the writer instead of failing at once.
            // The busy timeout comes first: switching to WAL takes a lock that another process opening
            // the same new file may hold for a moment.
            for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"] {
                try await database.raw(SQLQueryString(pragma)).run()
            }
            return SQLConnectionPool(
                backend: .sqlite(connection, AsyncLock(), thread), dialect: .sqlite, url: url, logger: logger)
        }
    }

    /// Connects to PostgreSQL once, outside the pool, and throws a ``DatabaseError`` saying why
    /// when the server cannot be reached or refuses the user or database; nothing on SQLite.
    ///
    /// The pool retries failed connections in the background while its users wait without a
    /// word (a wrong port or database made every command hang); callers that start up check
    /// first, so that they fail at once with the reason.
    public func checkConnection() async throws {
        guard case .postgres(let host, let port, let user, let password, let database, let options) = url else { return }
        var configuration: PostgresConnection.Configuration
        let place: String
        if let folder = options.socketDirectory {
            place = "\(Self.socketPath(folder: folder, port: port)) (\(database ?? user))"
            configuration = PostgresConnection.Configuration(
                unixSocketPath: Self.socketPath(folder: folder, port: port), username: user, password: password,
                database: database)
        } else {
            place = "\(host):\(port)/\(database ?? user)"
            var mode = PostgresConnection.Configuration.TLS.disable
            if let tls = try options.tlsConfiguration() {
                let context = try NIOSSLContext(configuration: tls)
                mode = options.sslMode == .prefer ? .prefer(context) : .require(context)
            }
            configuration = PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: mode)
        }
        configuration.options.connectTimeout = .nanoseconds(Int64(options.connectTimeout.inSeconds * 1_000_000_000))
        configuration.options.additionalStartupParameters = Self.startupParameters(options)
        do {
            try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger).close()
        } catch {
            throw DatabaseError(connectingTo: place, sslMode: options.sslMode, error)
        }
    }

    /// libpq's socket file in `folder` for `port`.
    private static func socketPath(folder: String, port: Int) -> String {
        (folder.hasSuffix("/") ? folder : folder + "/") + ".s.PGSQL.\(port)"
    }

    /// The settings sent when a connection starts: its application name and statement timeout.
    private static func startupParameters(_ options: PostgresOptions) -> [(String, String)] {
        var parameters = [("application_name", options.applicationName)]
        if let timeout = options.statementTimeout {
            parameters.append(("statement_timeout", "\(max(1, Int(timeout.inSeconds * 1000)))"))
        }
        return parameters
    }

    /// Runs `body` with a database to send statements to.
    public func withDatabase<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        switch backend {
        case .postgres(let client, _):
            return try await withReadableDatabaseErrors {
                try await client.withConnection { connection in try await body(connection.sql(queryLogLevel: .trace)) }
            }
        case .sqlite(let connection, let lock, _):
            return try await lock.withLock { try await body(connection.sql(queryLogLevel: .trace)) }
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// On SQLite the transaction is `BEGIN IMMEDIATE`, so it holds the write lock from the start.
    public func withTransaction<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        switch backend {
        case .postgres(let client, _):
            return try await Self.postgresTransaction(client, logger: logger) { connection in
                try await body(connection.sql(queryLogLevel: .trace))
            }
        case .sqlite(let connection, let lock, _):
            return try await lock.withLock {
                let database = connection.sql(queryLogLevel: .trace)
                try await database.raw("BEGIN IMMEDIATE").run()
                do {
                    let result = try await body(database)
                    try await database.raw("COMMIT").run()
                    return result
                } catch {
                    try? await database.raw("ROLLBACK").run()
                    throw error
                }
            }
        }
    }

    /// Calls `onNotification` for every notification on `channel` until cancelled, holding one
    /// connection for it; returns at once on SQLite, which has no notifications.
    public func listen(on channel: String, _ onNotification: @escaping @Sendable () -> Void) async throws {
        guard case .postgres(let client, _) = backend else { return }
        try await withReadableDatabaseErrors {
            try await client.withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    for try await _ in notifications { onNotification() }
                }
            }
        }
    }

    /// A PostgreSQL transaction that rethrows the body's own error rather than PostgresNIO's
    /// wrapper, so that callers see the same errors on both databases (PostgresNIO's own as
    /// ``DatabaseError``s).
    static func postgresTransaction<R: Sendable>(
        _ client: PostgresClient, logger: Logger, _ body: (PostgresConnection) async throws -> R
    ) async throws -> R {
        do {
            return try await client.withTransaction(logger: logger) { try await body($0) }
        } catch let error as PostgresTransactionError {
            if let bodyError = error.closureError, error.rollbackError == nil { throw DatabaseError(bodyError) ?? bodyError }
            throw error
        } catch {
            throw DatabaseError(error) ?? error
        }
    }

    /// Closes every connection. Calling it again does nothing.
    public func close() async {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        switch backend {
        case .postgres(_, let runner):
            runner.cancel()
            // The client waits for every leased connection to come back; one that never does
            // (a call hung since an outage) must not keep the process from exiting.
            if await !runner.ended(within: .seconds(5)) {
                logger.warning("PostgreSQL connections did not close within 5 s; leaving them to the exit")
            }
        case .sqlite(let connection, let lock, let thread):
            _ = try? await lock.withLock { try await connection.close() }
            try? await thread.shutdownGracefully()
        }
    }

    deinit {
        // A pool dropped without close() (a task cancelled midway) still releases its resources.
        guard !closed.load(ordering: .relaxed) else { return }
        switch backend {
        case .postgres(_, let runner): runner.cancel()
        case .sqlite(let connection, _, let thread):
            connection.close().whenComplete { _ in thread.shutdownGracefully { _ in } }
        }
    }
}
