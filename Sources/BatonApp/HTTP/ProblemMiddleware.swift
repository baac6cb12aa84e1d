import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Postgres

/// Turns every thrown error into an `application/problem+json` response, once,
/// here. Database errors map by meaning: a unique violation is a 409, a check or
/// foreign key a 422, an unreachable server a 503. Anything unexpected is a 500
/// whose body says nothing about the internals; the log has the rest.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, logger: context.logger)
            return problem.response()
        }
    }

    static func problem(for error: any Error, logger: Logger) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as ValidationFailure:
            return .validation(e.errors)
        case let e as PostgresError:
            return problem(for: e, logger: logger)
        case let e as HTTPError:
            switch e.status {
            case .contentTooLarge:
                return APIError(.contentTooLarge, code: "body-too-large", title: "Body too large",
                                detail: "Request bodies may be at most 1 MiB.")
            case .notFound:
                return APIError(.notFound, code: "not-found", title: "Not found", detail: "There is nothing at this address.")
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, code: "method-not-allowed", title: "Method not allowed",
                                detail: "This address does not accept that method.", headers: e.headers)
            default:
                if e.status.code < 500 {
                    return APIError(e.status, code: "bad-request", title: e.status.reasonPhrase,
                                    detail: e.body ?? "The request could not be understood.", headers: e.headers)
                }
                logger.error("HTTP error \(e.status.code)")
                return internalError
            }
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, code: "body-too-large", title: "Body too large",
                            detail: "Request bodies may be at most 1 MiB.")
        case let e as HTTPParserError:
            // Thrown by `request.body.collect` when the bytes after the head are not
            // HTTP: the client's fault, so a 400, never a 500. A connection that ends
            // mid-body is a client that hung up, which is routine, not an error.
            if e == .invalidEOFState || e == .closedConnection { return clientWentAway(e, logger: logger) }
            logger.info("malformed request body", metadata: ["reason": "\(e)"])
            return malformedBody
        case let e as NIOHTTPDecoderError:
            logger.info("malformed request body", metadata: ["reason": "\(e)"])
            return malformedBody
        case let e as IOError where [ECONNRESET, EPIPE, ECONNABORTED].contains(e.errnoCode):
            return clientWentAway(e, logger: logger)
        case let e as ChannelError where Self.meansTheClientLeft(e):
            return clientWentAway(e, logger: logger)
        case is CancellationError:
            return APIError.unavailable
        default:
            logger.error("unexpected error: \(String(reflecting: error))")
            return internalError
        }
    }

    static func problem(for e: PostgresError, logger: Logger) -> APIError {
        switch e.code {
        case .uniqueViolation:
            return APIError.conflict(ConstraintMessages.message(for: e.constraint, default: "A record with the same unique value already exists."),
                                     code: "already-exists")
        case .foreignKeyViolation:
            let field = ConstraintMessages.field(for: e.constraint)
            return .validation([FieldError(field, ConstraintMessages.message(for: e.constraint, default: "Refers to a record that does not exist"))])
        case .checkViolation, .notNullViolation:
            let field = ConstraintMessages.field(for: e.constraint)
            return .validation([FieldError(field, ConstraintMessages.message(for: e.constraint, default: "Value is not allowed"))])
        case .numericOutOfRange:
            return .validation([FieldError("body", "A number is too large")])
        case .invalidText:
            return .validation([FieldError("body", "A value has the wrong format")])
        case .lockNotAvailable, .serializationFailure, .deadlockDetected:
            return APIError(.conflict, code: "busy", title: "Conflict",
                            detail: "Someone else was changing the same records; nothing was saved. Try again.")
        default:
            if e.isUnavailable {
                logger.warning("database unavailable: \(e)")
                return .unavailable
            }
            logger.error("database error \(e) \(e.message)")
            return internalError
        }
    }

    static var internalError: APIError { .internalError }

    static var malformedBody: APIError {
        APIError(.badRequest, code: "malformed-body", title: "Bad request",
                 detail: "The request body is not valid HTTP (a broken chunk or length); send it again whole.")
    }

    /// Nobody reads this answer: the connection is gone. Logged quietly, since a
    /// browser closing a tab mid-upload is not something an operator must act on.
    static func clientWentAway(_ error: any Error, logger: Logger) -> APIError {
        logger.debug("the client closed the connection before sending the whole request", metadata: ["reason": "\(error)"])
        return APIError(.badRequest, code: "incomplete-request", title: "Bad request",
                        detail: "The connection closed before the whole request arrived.")
    }

    static func meansTheClientLeft(_ error: ChannelError) -> Bool {
        switch error {
        case .ioOnClosedChannel, .alreadyClosed, .eof, .inputClosed, .outputClosed: true
        default: false
        }
    }
}

/// What each named constraint means to a person filling in a form.
enum ConstraintMessages {
    static let table: [String: (field: String, message: String)] = [
        "users_email_key": ("email", "A person with this email already exists"),
        "users_manager_id_fkey": ("managerId", "Manager must be an existing person"),
        "users_manager_cycle": ("managerId", "A reporting line cannot loop: this manager reports to the person"),
        "users_manager_id_check": ("managerId", "A person cannot manage themselves"),
        "skills_name_key": ("name", "A skill with this name already exists"),
        "accounts_external_id_key": ("externalId", "Another account has this external id"),
        "accounts_parent_cycle": ("parentId", "An account hierarchy cannot loop: this parent is below the account"),
        "accounts_parent_id_fkey": ("parentId", "Parent must be an existing account"),
        "accounts_owner_id_fkey": ("ownerId", "Owner must be an existing person"),
        "contacts_external_id_key": ("externalId", "Another contact has this external id"),
        "contacts_account_email_key": ("email", "Another contact at this account has this email"),
        "opportunities_external_id_key": ("externalId", "Another opportunity has this external id"),
        "accounts_external_id_not_reserved": ("externalId", ExternalIDRules.reservedMessage),
        "contacts_external_id_not_reserved": ("externalId", ExternalIDRules.reservedMessage),
        "opportunities_external_id_not_reserved": ("externalId", ExternalIDRules.reservedMessage),
        "pipeline_stages_name_key": ("name", "Another stage has this name"),
        "pipeline_stages_pkey": ("key", "Another stage has this key"),
    ]

    static func field(for constraint: String?) -> String {
        constraint.flatMap { table[$0]?.field } ?? "body"
    }

    static func message(for constraint: String?, default fallback: String) -> String {
        constraint.flatMap { table[$0]?.message } ?? fallback
    }
}

extension APIError {
    static let internalError = APIError(
        .internalServerError, code: "internal-error", title: "Internal error",
        detail: "Something went wrong on our side and nothing was changed. The request id in the X-Request-Id header helps us find it.")

    func response() -> Response {
        struct Body: Encodable {
            var type: String
            var title: String
            var status: Int
            var detail: String
            var errors: [FieldError]?
        }
        let body = Body(type: "/problems/\(code)", title: title, status: status.code, detail: detail,
                        errors: errors.isEmpty ? nil : errors)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let data = (try? JSON.encoder.encode(body)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
