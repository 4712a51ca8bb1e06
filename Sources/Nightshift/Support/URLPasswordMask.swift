/// Masks the password of a URL in text meant for people (logs, errors, run details).
///
/// The password is whatever stands between the first `:` after `scheme://` and the last `@`
/// of the text, so it is masked whatever it holds: a `/`, `:` or `@` written unencoded ended
/// the pattern this replaced early and let the rest through. Text without `://` or without `@`
/// after it comes back as it is.
package enum URLPasswordMask {
    /// `text` with its password replaced by `***`: `postgres://app:***@db:5432/app`.
    package static func mask(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
            at.lowerBound > schemeEnd.upperBound
        else { return text }
        let userInfo = text[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at.lowerBound...])
    }
}
