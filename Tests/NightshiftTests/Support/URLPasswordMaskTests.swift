import Testing

@testable import Nightshift

@Suite struct URLPasswordMaskTests {
    @Test(arguments: [
        ("postgres://app:secret@db:5432/app", "postgres://app:***@db:5432/app"),
        // Unencoded `/`, `:` and `@` in the password ended the old pattern early.
        ("postgres://app:se/cr:et@x@db:5432/app", "postgres://app:***@db:5432/app"),
        ("redis://:p@ss/w:rd@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://user:pw@cache", "rediss://user:***@cache"),
        ("postgres://app@db/app", "postgres://app@db/app"),
        ("sqlite:./nightshift.db", "sqlite:./nightshift.db"),
        ("not a url: x@y", "not a url: x@y"),
    ])
    func masksThePassword(text: String, masked: String) {
        #expect(URLPasswordMask.mask(text) == masked)
    }
}
