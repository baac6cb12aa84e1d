import BatonCore
import HTTPTypes
import Hummingbird

/// An error the API answers with: a status and an RFC 9457 problem document.
///
/// Every error a handler throws ends up as one of these (see `ProblemMiddleware`),
/// so clients always get `application/problem+json` with a stable `type`.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    /// A stable, kebab-case name that becomes the problem's `type`.
    public var code: String
    public var title: String
    public var detail: String
    public var errors: [FieldError]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, title: String, detail: String,
        errors: [FieldError] = [], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public static func badRequest(_ detail: String) -> APIError {
        APIError(.badRequest, code: "bad-request", title: "Bad request", detail: detail)
    }

    public static let unauthenticated = APIError(
        .unauthorized, code: "unauthenticated", title: "Sign-in required",
        detail: "Sign in (POST /api/v1/sessions) and send the token as 'Authorization: Bearer <token>'.",
        headers: [.wwwAuthenticate: "Bearer"])

    public static func forbidden(_ detail: String) -> APIError {
        APIError(.forbidden, code: "forbidden", title: "Not allowed", detail: detail)
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not-found", title: "Not found", detail: "No \(what) with that id is visible to you.")
    }

    public static func conflict(_ detail: String, code: String = "conflict") -> APIError {
        APIError(.conflict, code: code, title: "Conflict", detail: detail)
    }

    public static func validation(_ errors: [FieldError]) -> APIError {
        let detail = errors.count == 1
            ? errors[0].message
            : "\(errors.count) fields are invalid: " + errors.map(\.message).joined(separator: "; ")
        return APIError(.unprocessableContent, code: "validation-failed", title: "Invalid input", detail: detail, errors: errors)
    }

    public static func preconditionFailed(current version: Int) -> APIError {
        APIError(.preconditionFailed, code: "version-mismatch", title: "Changed by someone else",
                 detail: "This record changed since you read it (it is now version \(version)); nothing was saved. Reload it and apply your change again.",
                 headers: [.eTag: ETag.value(version)])
    }

    public static let preconditionRequired = APIError(
        .init(code: 428, reasonPhrase: "Precondition Required"), code: "if-match-required", title: "If-Match required",
        detail: "Send the record's ETag in an If-Match header so that a concurrent change is never overwritten.")

    public static let unavailable = APIError(
        .serviceUnavailable, code: "database-unavailable", title: "Temporarily unavailable",
        detail: "The database is not reachable right now; nothing was changed. Try again in a few seconds.",
        headers: [.retryAfter: "5"])
}
