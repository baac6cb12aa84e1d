import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/opportunities`: the deals being worked, moved through the stages. Each handler
/// decodes, calls the area's action or store, and encodes; the rules are in
/// `OpportunityActions`.
struct OpportunityRoutes {
    let services: AppServices
    var store: OpportunityStore { services.opportunities }
    var actions: OpportunityActions { OpportunityActions(services: services) }
    var endpoints: RecordEndpoints<OpportunityRecord> {
        RecordEndpoints(services: services, noun: "opportunity", collection: "/api/v1/opportunities", reader: Scope.requireReader)
    }


    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let page = try PageRequest(request)
        let q = QueryParameters(request)
        let filter = OpportunityStore.Filter(
            accountID: try q.id("accountId"), ownerID: try q.id("ownerId"), stage: q.string("stage"),
            closingFrom: try q.date("closingFrom"), closingTo: try q.date("closingTo"), text: q.string("q"),
            includeArchived: try q.bool("includeArchived") ?? false)
        return try APIResponse.json(try await services.pool.withConnection {
            try await store.list($0, visibleTo: caller, filter: filter, page: page)
        }).response
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.show(request, context) { db, id, caller in try await store.find(db, id: id, visibleTo: caller) }
    }

    @Sendable func history(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let history = try await services.pool.withConnection { db in
            guard try await store.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("opportunity") }
            return try await store.history(db, opportunityID: id)
        }
        return try APIResponse.json(Page(fetched: history, limit: history.count) { [String($0.id)] }).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, OpportunityInput.self, allowed: Scope.requireWriter,
                                   // A body missing what every deal needs is refused as sent, on every retry.
                                   refuseEarly: OpportunityActions.requireNewFields) { [actions] db, caller, input in
            try await actions.create(db, caller: caller, input: input)
        }
    }

    /// The changed deal, with `overrideReplaced`: what a stage move put in place of the
    /// person's probability or forecast-category override (null when nothing was).
    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let changes = RecordEndpoints<OpportunityChange>(services: services, noun: endpoints.noun, collection: endpoints.collection,
                                                         reader: endpoints.reader)
        return try await changes.change(request, context, OpportunityInput.self) { db, caller, id, expected, input, keys in
            try await actions.changeTelling(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
    }

    @Sendable func archive(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.archive(request, context) { db, caller, id, expected in
            try await actions.archive(db, caller: caller, id: id, expected: expected)
        }
    }

    @Sendable func restore(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.restore(request, context) { db, caller, id, expected in
            try await actions.restore(db, caller: caller, id: id, expected: expected)
        }
    }
}
