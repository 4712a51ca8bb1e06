import Foundation
import NightshiftDatabase
import Testing

/// PostgreSQL URLs as libpq's users write them.
@Suite struct DatabaseURLTests {
    @Test("libpq's parameters are read; the defaults are TLS preferred, 10 connections and application name nightshift")
    func parameters() throws {
        let url = try DatabaseURL(
            "postgres://app:s3cret@db.example.com:6543/app?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem&sslcert=/c.pem&sslkey=/k.pem&application_name=reports&connect_timeout=7&pool_size=25&statement_timeout=30s",
            environment: [:])
        guard case .postgres(let host, let port, let user, let password, let database, let options) = url else {
            Issue.record("not PostgreSQL")
            return
        }
        #expect(host == "db.example.com" && port == 6543 && user == "app" && password == "s3cret" && database == "app")
        #expect(options.sslMode == .verifyFull && options.rootCertificate == "/etc/ssl/ca.pem")
        #expect(options.clientCertificate == "/c.pem" && options.clientKey == "/k.pem" && options.applicationName == "reports")
        #expect(options.connectTimeout == .seconds(7) && options.poolSize == 25 && options.statementTimeout == .seconds(30))
        #expect(
            url.description.contains("app:***@db.example.com:6543/app?sslmode=verify-full") && !url.description.contains("s3cret")
        )
        #expect(try DatabaseURL(url.text(maskingPassword: false), environment: [:]) == url, "the text reads back")
        guard case .postgres(_, _, _, _, _, let defaults) = try DatabaseURL("postgres://app@db/app", environment: [:]) else {
            Issue.record("not PostgreSQL")
            return
        }
        #expect(defaults == PostgresOptions() && defaults.sslMode == .prefer && defaults.poolSize == 10)
        let milliseconds = try DatabaseURL("postgres://app@db/app?statement_timeout=1500&max_connections=3", environment: [:])
        guard case .postgres(_, _, _, _, _, let options2) = milliseconds else { return }
        #expect(options2.statementTimeout == .milliseconds(1500) && options2.poolSize == 3)
    }

    @Test("PGPASSWORD and PGSSLMODE stand in for what the URL leaves out; a Unix socket is a host folder")
    func environmentAndSockets() throws {
        let environment = ["PGPASSWORD": "from-env", "PGSSLMODE": "require"]
        guard
            case .postgres(_, _, _, let password, _, let options) = try DatabaseURL(
                "postgres://app@db/app", environment: environment)
        else { return }
        #expect(password == "from-env" && options.sslMode == .require)
        guard
            case .postgres(_, _, _, let given, _, let disabled) = try DatabaseURL(
                "postgres://app:mine@db/app?sslmode=disable", environment: environment)
        else { return }
        #expect(given == "mine" && disabled.sslMode == .disable)
        guard
            case .postgres(_, let port, let user, _, let database, let socket) = try DatabaseURL(
                "postgres:///app?host=/var/run/postgresql&port=5433", environment: [:])
        else { return }
        #expect(socket.socketDirectory == "/var/run/postgresql" && port == 5433 && user == "postgres" && database == "app")
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
