import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// `/agreements`: the recurring book, read by whoever sees the pipeline (each agreement
/// with its account), cancelled by its writers.
struct AgreementRoutes {
    let services: AppServices
    var store: AgreementStore { AgreementStore() }
    var actions: AgreementActions { AgreementActions(services: services) }
    var endpoints: RecordEndpoints<AgreementRecord> {
        RecordEndpoints(services: services, noun: "agreement", collection: "/api/v1/agreements", reader: Scope.requireReader)
    }

    /// `GET /agreements?accountId=&status=`.
    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.list(request, context, filter: {
            AgreementFilter(accountID: try $0.id("accountId"), status: try $0.enumeration("status", AgreementStatus.self))
        }) { db, caller, filter, page in try await store.list(db, caller: caller, filter: filter, page: page) }
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.show(request, context) { db, id, caller in try await store.find(db, id: id, visibleTo: caller) }
    }

    /// `POST /agreements/{id}/cancel` at the version in `If-Match`.
    @Sendable func cancel(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, AgreementCancelInput.self) { db, caller, id, expected, input, _ in
            try await actions.cancel(db, caller: caller, id: id, expected: expected, input: input)
        }
    }

    /// `POST /agreements/{id}/downgrade` at the version in `If-Match`.
    @Sendable func downgrade(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, AgreementDowngradeInput.self) { db, caller, id, expected, input, _ in
            try await actions.downgrade(db, caller: caller, id: id, expected: expected, input: input)
        }
    }

    /// `POST /agreements/import` (text/csv, `?dryRun=true`): all or nothing.
    @Sendable func importFile(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let dryRun = try QueryParameters(request).bool("dryRun") ?? false
        let body = try await request.body.collect(upTo: services.configuration.importMaxMB << 20)
        guard let text = body.getString(at: body.readerIndex, length: body.readableBytes) else {
            throw ValidationFailure("file", "The file must be UTF-8 text")
        }
        let rows = try await services.pool.withTransaction {
            try await AgreementImport(services: services).run($0, caller: caller, text: text, dryRun: dryRun, today: Timestamp.now.calendarDate)
        }
        struct Body: Encodable { var rows, imported: Int; var dryRun: Bool }
        return try APIResponse.json(Body(rows: rows, imported: dryRun ? 0 : rows, dryRun: dryRun)).response
    }
}
