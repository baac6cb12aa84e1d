import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/activities`: calls, meetings, emails, notes and tasks; the rules are in `ActivityActions`.
struct ActivityRoutes {
    let services: AppServices
    var store: ActivityStore { services.activities }
    var actions: ActivityActions { ActivityActions(services: services) }
    var endpoints: RecordEndpoints<ActivityRecord> {
        RecordEndpoints(services: services, noun: "activity", collection: "/api/v1/activities", reader: Scope.requireReader)
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("activities", use: list)
        api.post("activities", use: create)
        api.get("activities/:id", use: show)
        api.patch("activities/:id", use: update)
        api.delete("activities/:id", use: archive)
    }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let page = try PageRequest(request)
        let q = QueryParameters(request)
        let filter = ActivityStore.Filter(
            accountID: try q.id("accountId"), opportunityID: try q.id("opportunityId"), projectID: try q.id("projectId"),
            ownerID: try q.id("ownerId"), open: try q.bool("open") ?? false)
        return try APIResponse.json(try await services.pool.withConnection {
            try await store.list($0, visibleTo: caller, filter: filter, page: page)
        }).response
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.show(request, context) { db, id, caller in try await store.find(db, id: id, visibleTo: caller) }
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, ActivityInput.self, allowed: Scope.requireReader) { [actions] db, caller, input in
            try await actions.create(db, caller: caller, input: input)
        }
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, ActivityInput.self) { db, caller, id, expected, input, keys in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
    }

    @Sendable func archive(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.archive(request, context) { db, caller, id, expected in
            try await actions.archive(db, caller: caller, id: id, expected: expected)
        }
    }
}
