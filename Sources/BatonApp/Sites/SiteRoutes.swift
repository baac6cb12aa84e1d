import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// `/sites`, `/travel-times`, the site of a project or assignment, a person's home
/// base and day plans: the HTTP around `SiteActions`.
struct SiteRoutes: RecordRoutes {
    static let noun = "site", collection = "sites"
    /// Anyone signed in reads sites and may propose one; the store shows each caller
    /// what they may see, and the action judges who keeps which.
    static let reader: @Sendable (Caller) throws -> Void = { _ in }
    var mayCreate: @Sendable (Caller) throws -> Void { Self.reader }
    let services: AppServices
    var store: SiteStore { SiteStore() }
    var actions: SiteActions { SiteActions(services: services) }

    func find(_ db: Connection, id: Int64, caller: Caller) async throws -> SiteRecord? { try await store.find(db, id: id, caller: caller) }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = QueryParameters(request)
        let accountID = try query.id("accountId")
        let archived = try query.bool("archived") ?? false
        let list = try await services.pool.withConnection { try await store.list($0, caller: caller, accountID: accountID, archived: archived) }
        return try APIResponse.json(Page(fetched: list, limit: list.count) { [String($0.id)] }).response
    }

    @Sendable func travelTimes(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let list = try await services.pool.withConnection { try await store.travelTimes($0) }
        return try APIResponse.json(list).response
    }

    @Sendable func setTravelTime(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        // Who may is judged before the body is read, so a refused caller hears 403 whatever they sent.
        guard SiteActions.keepsFirmPlaces(caller) else { throw APIError.forbidden("Only admins and managers keep the travel times.") }
        let (input, _) = try await JSON.decode(TravelTimeInput.self, from: request)
        let list = try await services.pool.withTransaction { try await actions.setTravelTime($0, caller: caller, input: input) }
        return try APIResponse.json(list).response
    }

    @Sendable func placeProject(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await place(request, context) { db, caller, input in
            try await actions.placeProject(db, caller: caller, projectID: try request.id(context), siteID: input.siteId)
        }
    }

    @Sendable func placeAssignment(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await place(request, context) { db, caller, input in
            try await actions.placeAssignment(db, caller: caller, projectID: try request.id(context),
                                              assignmentID: try request.id(context, "assignmentId"), siteID: input.siteId)
        }
    }

    @Sendable func placeHomeBase(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await place(request, context) { db, caller, input in
            try await actions.placeHomeBase(db, caller: caller, userID: try request.id(context), siteID: input.siteId)
        }
    }

    /// A `PUT` of `{"siteId": …}`: the action in one transaction, 204.
    private func place(
        _ request: Request, _ context: BatonRequestContext,
        action: @Sendable (Connection, Caller, PlacementInput) async throws -> Void
    ) async throws -> Response {
        let caller = try context.requireCaller()
        let (input, _) = try await JSON.decode(PlacementInput.self, from: request)
        try await services.pool.withTransaction { try await action($0, caller, input) }
        return Response(status: .noContent)
    }

    @Sendable func dayPlans(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let query = QueryParameters(request)
        let from = try query.date("from") ?? Timestamp.now.calendarDate
        let to = try query.date("to") ?? from.adding(days: 7)
        let record = try await services.pool.withConnection { db in
            try await actions.dayPlans(db, caller: caller, userID: id, from: from, to: to)
        }
        return try APIResponse.json(record).response
    }
}
