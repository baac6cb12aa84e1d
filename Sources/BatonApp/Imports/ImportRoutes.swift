import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Postgres
import Synchronization

/// `POST /imports/{kind}` (text/csv, `?dryRun=true`, `?mapping={"Type": {"Partner Deal": "new_business"}}`)
/// and `GET /exports/{kind}.csv`.
struct ImportRoutes {
    let services: AppServices

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.post("imports/:kind") { request, context in
            let caller = try context.requireCaller()
            guard ImportAccess.canImport(caller.roles) else {
                throw APIError.forbidden("Only admins, managers and account managers import files; ask your account manager to import it.")
            }
            let kind = try Self.kind(context.parameters.get("kind"))
            let dryRun = try QueryParameters(request).bool("dryRun") ?? false
            let mapping = try Self.mapping(QueryParameters(request).string("mapping"))
            try Self.requireCSV(request)
            let maximumBytes = services.configuration.importMaxMB << 20
            // A declared length over the limit is refused before a byte is read; a
            // body without one (chunked) is counted as it streams.
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maximumBytes {
                throw ImportStore.tooLarge(maximumBytes)
            }
            let body = OneReading()
            do {
                let report = try await services.pool.withTransaction { db in
                    // The body streams in once: a transaction retried after a deadlock
                    // cannot read it again, so the client is told to send it again.
                    try body.claim()
                    return try await services.imports.run(db, kind: kind, body: request.body, maximumBytes: maximumBytes,
                                                          mapping: mapping, dryRun: dryRun, caller: caller,
                                                          today: Timestamp.now.calendarDate)
                }
                return try APIResponse.json(report).response
            } catch let refused as ImportRefused {
                return try APIResponse.json(refused.report, status: .unprocessableContent).response
            }
        }
        api.get("exports/:file") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".csv") else { throw APIError.notFound("export") }
            let kind = try Self.kind(String(file.dropLast(4)))
            let csv = try await services.pool.withConnection { try await services.exports.csv($0, kind: kind, caller: caller) }
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8",
                          .contentDisposition: "attachment; filename=\"\(kind.rawValue).csv\""],
                body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
    }

    /// `POST /sites/import` (text/csv, `?dryRun=true`): the report, as the other imports
    /// answer it; 422 with the report when a real import found problems and stored nothing.
    @Sendable func importSites(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await importWhole(request, context, allowed: { ImportAccess.canImport($0.roles) },
                              refusal: "Only admins, managers and account managers import files; ask your account manager to import it.") {
            try await SiteImport(services: services).run($0, caller: $1, text: $2, dryRun: $3)
        }
    }

    /// `POST /travel-times/import` (text/csv, `?dryRun=true`): as the sites', for those who keep the table.
    @Sendable func importTravelTimes(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await importWhole(request, context, allowed: SiteActions.keepsFirmPlaces, refusal: "Only admins and managers keep the travel times.") {
            try await TravelTimeImport(services: services).run($0, caller: $1, text: $2, dryRun: $3)
        }
    }

    /// A file read whole and imported in one transaction by `run`; who may is judged
    /// before a byte is read, so a refused caller hears 403 whatever they sent.
    private func importWhole(
        _ request: Request, _ context: BatonRequestContext, allowed: (Caller) -> Bool, refusal: String,
        run: @escaping @Sendable (Connection, Caller, String, Bool) async throws -> ImportReport
    ) async throws -> Response {
        let caller = try context.requireCaller()
        guard allowed(caller) else { throw APIError.forbidden(refusal) }
        let dryRun = try QueryParameters(request).bool("dryRun") ?? false
        try Self.requireCSV(request)
        let maximumBytes = services.configuration.importMaxMB << 20
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maximumBytes { throw ImportStore.tooLarge(maximumBytes) }
        let body = try await request.body.collect(upTo: maximumBytes)
        guard let text = body.getString(at: body.readerIndex, length: body.readableBytes) else {
            throw ValidationFailure("file", "The file must be UTF-8 text")
        }
        do {
            let report = try await services.pool.withTransaction { try await run($0, caller, text, dryRun) }
            return try APIResponse.json(report).response
        } catch let refused as ImportRefused {
            return try APIResponse.json(refused.report, status: .unprocessableContent).response
        }
    }

    /// A file is sent as CSV (or plain text); anything else is refused before it is read.
    static func requireCSV(_ request: Request) throws {
        if let type = request.headers[.contentType]?.lowercased(),
            !(type.hasPrefix("text/csv") || type.hasPrefix("application/csv") || type.hasPrefix("text/plain"))
        {
            throw APIError(.unsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
                           detail: "Send the file as 'Content-Type: text/csv'.")
        }
    }

    /// The `mapping` parameter: JSON, `{"column": {"value in the file": "value Baton accepts"}}`.
    static func mapping(_ text: String?) throws -> ImportValueMapping {
        guard let text else { return .none }
        guard let mapping = ImportValueMapping.parse(json: text) else {
            let message = #"mapping must be JSON like {"Type": {"Partner Deal": "new_business"}}: for each column, each value in the file and the value Baton should read instead"#
            throw APIError(.badRequest, code: "bad-request", title: "Bad request", detail: message, errors: [FieldError("mapping", message)])
        }
        return mapping
    }

    static func kind(_ text: String?) throws -> ImportKind {
        guard let text, let kind = ImportKind(rawValue: text) else {
            throw APIError(.notFound, code: "not-found", title: "Not found",
                           detail: "Imports and exports are of accounts, contacts or opportunities.")
        }
        return kind
    }
}

/// Makes sure a request body is streamed at most once.
private final class OneReading: Sendable {
    private let taken = Mutex(false)

    func claim() throws {
        let first = taken.withLock { taken in
            defer { taken = true }
            return !taken
        }
        guard first else {
            throw APIError(.conflict, code: "busy", title: "Conflict",
                           detail: "Someone else was changing the same records; nothing was saved. Send the file again.")
        }
    }
}
