import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Postgres

/// `POST /imports/{kind}` (text/csv, `?dryRun=true`) and `GET /exports/{kind}.csv`.
struct ImportRoutes {
    let services: AppServices

    /// Import files are CSV exports of whole CRMs: far larger than a JSON body.
    static let maximumFileBytes = 512 << 20

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.post("imports/:kind") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireWriter(caller)
            let kind = try Self.kind(context.parameters.get("kind"))
            let dryRun = try QueryParameters(request).bool("dryRun") ?? false
            if let type = request.headers[.contentType]?.lowercased(),
                !(type.hasPrefix("text/csv") || type.hasPrefix("application/csv") || type.hasPrefix("text/plain"))
            {
                throw APIError(.unsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
                               detail: "Send the file as 'Content-Type: text/csv'.")
            }
            let data = Data(buffer: try await request.body.collect(upTo: Self.maximumFileBytes))
            do {
                let report = try await services.pool.withTransaction { db in
                    try await services.imports.run(db, kind: kind, data: data, dryRun: dryRun, caller: caller,
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

    static func kind(_ text: String?) throws -> ImportKind {
        guard let text, let kind = ImportKind(rawValue: text) else {
            throw APIError(.notFound, code: "not-found", title: "Not found",
                           detail: "Imports and exports are of accounts, contacts or opportunities.")
        }
        return kind
    }
}
