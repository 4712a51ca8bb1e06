import Foundation
import NightshiftDatabase
import Testing

/// PostgreSQL URLs as libpq's users write them.
@Suite struct DatabaseURLTests {
    /// The parts of a PostgreSQL URL.
    struct Parts {
        let host: String, port: Int, user: String, password: String?, database: String?, options: PostgresOptions
    }

    struct NotPostgres: Error {}

    /// `text` read as a PostgreSQL URL; throws when it is not one.
    func postgres(_ text: String, environment: [String: String] = [:]) throws -> Parts {
        guard
            case .postgres(let host, let port, let user, let password, let database, let options) = try DatabaseURL(
                text, environment: environment)
        else { throw NotPostgres() }
        return Parts(host: host, port: port, user: user, password: password, database: database, options: options)
    }

    @Test("libpq's parameters are read; the defaults are TLS preferred, 10 connections and application name nightshift")
    func parameters() throws {
        let text =
            "postgres://app:s3cret@db.example.com:6543/app?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem&sslcert=/c.pem&sslkey=/k.pem&application_name=reports&connect_timeout=7&pool_size=25&statement_timeout=30s"
        let url = try DatabaseURL(text, environment: [:])
        let parts = try postgres(text)
        #expect(parts.host == "db.example.com" && parts.port == 6543 && parts.user == "app" && parts.password == "s3cret")
        #expect(
            parts.database == "app" && parts.options.sslMode == .verifyFull && parts.options.rootCertificate == "/etc/ssl/ca.pem")
        let options = parts.options
        #expect(options.clientCertificate == "/c.pem" && options.clientKey == "/k.pem" && options.applicationName == "reports")
        #expect(options.connectTimeout == .seconds(7) && options.poolSize == 25 && options.statementTimeout == .seconds(30))
        #expect(
            url.description.contains("app:***@db.example.com:6543/app?sslmode=verify-full") && !url.description.contains("s3cret")
        )
        #expect(try DatabaseURL(url.text(maskingPassword: false), environment: [:]) == url, "the text reads back")
        let defaults = try postgres("postgres://app@db/app").options
        #expect(defaults == PostgresOptions() && defaults.sslMode == .prefer && defaults.poolSize == 10)
        let milliseconds = try postgres("postgres://app@db/app?statement_timeout=1500&max_connections=3").options
        #expect(milliseconds.statementTimeout == .milliseconds(1500) && milliseconds.poolSize == 3)
    }

    @Test("PGPASSWORD and PGSSLMODE stand in for what the URL leaves out; a Unix socket is a host folder")
    func environmentAndSockets() throws {
        let environment = ["PGPASSWORD": "from-env", "PGSSLMODE": "require"]
        let fromEnvironment = try postgres("postgres://app@db/app", environment: environment)
        #expect(fromEnvironment.password == "from-env" && fromEnvironment.options.sslMode == .require)
        let given = try postgres("postgres://app:mine@db/app?sslmode=disable", environment: environment)
        #expect(given.password == "mine" && given.options.sslMode == .disable)
        let socket = try postgres("postgres:///app?host=/var/run/postgresql&port=5433")
        #expect(socket.options.socketDirectory == "/var/run/postgresql" && socket.port == 5433)
        #expect(socket.user == "postgres" && socket.database == "app")
    }

    @Test(
        "unknown or malformed parameters are errors naming them, never ignored",
        arguments: [
            ("postgres://app@db/app?ssl=true", "unknown parameter 'ssl'"),
            (
                "postgres://app@db/app?sslmode=required",
                "sslmode=required, expected one of disable, prefer, require, verify-ca, verify-full"
            ),
            ("postgres://app@db/app?connect_timeout=0", "connect_timeout=0"),
            ("postgres://app@db/app?pool_size=lots", "pool_size=lots"),
            ("postgres://app@db/app?sslcert=/c.pem", "needs sslcert and sslkey together"),
            ("postgres://app@db/app?host=db2", "host=db2"),
            ("postgres://app@db/app?sslmode=", "gives 'sslmode' no value"),
            ("postgres:///app", "has no host"),
        ])
    func refused(text: String, reason: String) {
        #expect {
            _ = try DatabaseURL(text, environment: [:])
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
