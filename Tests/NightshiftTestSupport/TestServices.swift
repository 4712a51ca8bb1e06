import Foundation
import Testing

/// The servers tests need besides SQLite, named by environment variables that `scripts/test.sh`
/// sets: `NIGHTSHIFT_TEST_POSTGRES` and `NIGHTSHIFT_TEST_REDIS`.
///
/// Without one, the tests that need it show as skipped, saying which variable to set; under
/// `CI=true` they run and fail instead, so that CI can never pass by skipping them.
public enum TestServices {
    /// One server.
    public enum Service: String, Sendable {
        case postgres = "NIGHTSHIFT_TEST_POSTGRES"
        case redis = "NIGHTSHIFT_TEST_REDIS"

        var name: String { self == .postgres ? "PostgreSQL" : "Redis" }
    }

    /// Whether this is a CI run (`CI=true`), where every service must be there.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether tests that need `service` should run: it is configured, or this is CI.
    public static func shouldRun(_ service: Service) -> Bool {
        ProcessInfo.processInfo.environment[service.rawValue] != nil || isRequired
    }

    /// The URL of `service`. When it is not configured, the current test is cancelled (shown as
    /// skipped), or under `CI=true` fails with ``Missing``.
    public static func url(of service: Service) throws -> String {
        if let url = ProcessInfo.processInfo.environment[service.rawValue] { return url }
        if isRequired { throw Missing(service: service) }
        try Test.cancel("\(service.name) is not configured: set \(service.rawValue) (scripts/test.sh does)")
    }

    /// A service that CI needs and that is not configured.
    public struct Missing: Error, CustomStringConvertible {
        let service: Service
        public var description: String {
            "\(service.name) is not configured but CI=true requires it: set \(service.rawValue) (scripts/test.sh does)"
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where PostgreSQL is configured (always under `CI=true`).
    public static var requiresPostgres: Self {
        .enabled(if: TestServices.shouldRun(.postgres), "needs PostgreSQL: set NIGHTSHIFT_TEST_POSTGRES")
    }

    /// Runs the test only where Redis is configured (always under `CI=true`).
    public static var requiresRedis: Self {
        .enabled(if: TestServices.shouldRun(.redis), "needs Redis: set NIGHTSHIFT_TEST_REDIS")
    }
}
