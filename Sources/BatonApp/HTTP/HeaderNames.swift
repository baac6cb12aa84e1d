import HTTPTypes

/// Header names Baton uses that HTTPTypes has no constant for.
///
/// `HTTPField.Name("…")` is failable only because it accepts any text; each literal
/// below is a valid token, so it cannot fail, and
/// `SessionSecurityTests.headerNamesAreTheOnesWritten` proves it. The fallback exists
/// so that no request path holds a force unwrap (`Via` is a harmless stand-in).
extension HTTPField.Name {
    static let idempotencyKey = known("Idempotency-Key")
    static let requestID = known("X-Request-Id")
    static let referrerPolicy = known("Referrer-Policy")
    static let xFrameOptions = known("X-Frame-Options")
    static let idempotentReplayed = known("Idempotent-Replayed")
    /// The page's CSRF token, for scripts that call the API with the session cookie.
    static let csrfToken = known("X-CSRF-Token")
    static let secFetchSite = known("Sec-Fetch-Site")

    private static func known(_ name: String) -> HTTPField.Name {
        HTTPField.Name(name) ?? .via
    }
}
