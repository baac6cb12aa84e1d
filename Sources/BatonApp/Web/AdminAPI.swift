import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// The admin pages change records through the API's own handlers, called in-process:
/// the same decoding, validation, role checks, version checks (If-Match), audit trail
/// and messages as `/api/v1`, with no second copy of any rule. A page turns a form into
/// the JSON the API takes, and the API's answer into a redirect or the form again with
/// the API's message beside each field.
///
/// The caller is the page's signed-in person (the page has checked the session and the
/// CSRF token), and the row-level security of the page's request applies as well.
struct AdminAPI: Sendable {
    let responder: RouterResponder<BatonRequestContext>

    init(services: AppServices) {
        let router = Router(context: BatonRequestContext.self)
        let api = router.group("api/v1")
        UserRoutes(services: services).register(on: api)
        StageRoutes(services: services).register(on: api)
        CatalogRoutes(services: services).register(on: api)
        QuotaRoutes(services: services).register(on: api)
        BonusRoutes(services: services).register(on: api)
        responder = router.buildResponder()
    }

    /// What the API answered: a success with its JSON body, or the problem it refused with.
    enum Answer {
        case done(status: HTTPResponse.Status, headers: HTTPFields, body: Data)
        case refused(APIError)

        /// The id at the end of a created record's `Location`.
        var createdID: Int64? {
            guard case .done(_, let headers, _) = self, let location = headers[.location] else { return nil }
            return location.split(separator: "/").last.flatMap { Int64($0) }
        }
    }

    /// Sends `body` (a JSON value made of dictionaries, arrays, strings, numbers, booleans
    /// and `NSNull`) to `/api/v1/<path>`. A 5xx is thrown on, so the page fails the way
    /// the API would; a 4xx comes back as `.refused`.
    func send(
        _ method: HTTPRequest.Method, _ path: String, _ body: Any? = nil, version: Int? = nil, idempotencyKey: String? = nil,
        context: BatonRequestContext
    ) async throws -> Answer {
        var fields = HTTPFields()
        var data = Data()
        if let body {
            data = try JSONSerialization.data(withJSONObject: body, options: [.fragmentsAllowed])
            fields[.contentType] = "application/json"
        }
        if let version { fields[.ifMatch] = ETag.value(version) }
        if let idempotencyKey, !idempotencyKey.isEmpty { fields[.idempotencyKey] = idempotencyKey }
        let head = HTTPRequest(method: method, scheme: "http", authority: "baton.local", path: "/api/v1/" + path, headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: data)))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            let problem = ProblemMiddleware<BatonRequestContext>.problem(for: error, logger: context.logger)
            if problem.status.code >= 500 { throw error }
            return .refused(problem)
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let bytes = Data(buffer: collector.buffer)
        if response.status.code >= 500 { throw APIError.internalError }
        if response.status.code >= 400 {
            return .refused(APIError(response.status, code: "refused", title: response.status.reasonPhrase,
                                     detail: String(decoding: bytes, as: UTF8.self)))
        }
        return .done(status: response.status, headers: response.headers, body: bytes)
    }
}

/// Gathers a response body in memory (the API's answers are small).
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var incoming = buffer
        self.buffer.writeBuffer(&incoming)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
