import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/time-entries`, `/timesheet`, `/cost-rates`, `/bill-rates` and a project's
/// `/budget`. The rules are the actions'; these handlers decode, call them and encode.
struct TimeRoutes: RecordAPI {
    static let noun = "time entry", collection = "time-entries"
    let services: AppServices
    var store: TimeStore { TimeStore() }
    var actions: TimeActions { TimeActions(services: services) }
    var rates: RateActions { RateActions() }
    var budgets: TimeBudgetActions { TimeBudgetActions(services: services) }

    func find(_ db: Connection, id: Int64, caller: Caller) async throws -> TimeEntryRecord? { try await store.find(db, id: id, visibleTo: caller) }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let page = try PageRequest(request)
        let query = QueryParameters(request)
        let filter = try TimeStore.Filter(query, caller: caller)
        let projectID = try query.id("projectId")
        let result = try await services.pool.withTransaction {
            try await store.list($0, visibleTo: caller, filter: filter, projectID: projectID, page: page)
        }
        return try APIResponse.json(result).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, TimeEntryInput.self, allowed: Self.reader, action: actions.record)
    }

    @Sendable func change(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, TimeEntryChange.self) { db, caller, id, expected, input, _ in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input)
        }
    }

    @Sendable func remove(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.archive(request, context, action: actions.remove)
    }

    @Sendable func timesheet(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = QueryParameters(request)
        guard let week = try query.date("week") else { throw ValidationFailure("week", "Name the week (any day of it, YYYY-MM-DD)") }
        let userID = try query.id("userId") ?? caller.id
        let sheet = try await services.pool.withTransaction { try await actions.timesheet($0, caller: caller, userID: userID, week: week) }
        return try APIResponse.json(sheet).response
    }

    private func week(_ request: Request, _ context: BatonRequestContext,
                      _ action: @Sendable @escaping (Connection, Caller, TimesheetInput) async throws -> Timesheet) async throws -> Response {
        let caller = try context.requireCaller()
        let (input, _) = try await JSON.decode(TimesheetInput.self, from: request)
        let sheet = try await services.pool.withTransaction { try await action($0, caller, input) }
        return try APIResponse.json(sheet).response
    }

    @Sendable func submit(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await week(request, context) { db, caller, input in try await actions.submit(db, caller: caller, input: input) }
    }

    @Sendable func approve(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await week(request, context) { db, caller, input in try await actions.decide(db, caller: caller, input: input, approve: true) }
    }

    @Sendable func sendBack(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await week(request, context) { db, caller, input in try await actions.decide(db, caller: caller, input: input, approve: false) }
    }

    @Sendable func copyLastWeek(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await week(request, context) { db, caller, input in try await actions.copyLastWeek(db, caller: caller, input: input) }
    }

    @Sendable func costRates(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await rateList(request, context) { db, query in try await rates.store.costRates(db, userID: try query.id("userId")) }
    }

    @Sendable func setCostRate(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await setRate(request, context, CostRateInput.self, status: .ok) { db, caller, input in
            try await rates.setCostRate(db, caller: caller, input: input)
        }
    }

    @Sendable func billRates(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await rateList(request, context) { db, _ in try await rates.store.billRates(db) }
    }

    @Sendable func addBillRate(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await setRate(request, context, BillRateInput.self, status: .created) { db, caller, input in
            try await rates.addBillRate(db, caller: caller, input: input)
        }
    }

    /// Rates are read by managers and admins only (`RateActions.requireReader`), as `{"items": [...]}`.
    private func rateList<Rate: Encodable & Sendable>(_ request: Request, _ context: BatonRequestContext,
                                                      _ read: @Sendable @escaping (Connection, QueryParameters) async throws -> [Rate]) async throws -> Response {
        try RateActions.requireReader(try context.requireCaller())
        let query = QueryParameters(request)
        let items = try await services.pool.withTransaction { try await read($0, query) }
        return try APIResponse.json(["items": items]).response
    }

    /// Rates are set by admins only (`RateActions.requireWriter`); the answer is the rate with its ETag.
    private func setRate<Input: StrictDecodable, Rate: Versioned & Sendable>(
        _ request: Request, _ context: BatonRequestContext, _ input: Input.Type, status: HTTPResponse.Status,
        _ action: @Sendable @escaping (Connection, Caller, Input) async throws -> Rate
    ) async throws -> Response {
        let caller = try context.requireCaller()
        try RateActions.requireWriter(caller)
        let (input, _) = try await JSON.decode(Input.self, from: request)
        let rate = try await services.pool.withTransaction { try await action($0, caller, input) }
        return try APIResponse.json(rate, status: status, headers: ETag.headers(rate.version)).response
    }

    @Sendable func budget(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let budget = try await services.pool.withTransaction { try await budgets.budget($0, caller: caller, projectID: id) }
        return try APIResponse.json(budget).response
    }

    @Sendable func setEstimate(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let phaseID = try request.id(context, "phaseId")
        let (input, _) = try await JSON.decode(PhaseEstimateInput.self, from: request)
        let budget = try await services.pool.withTransaction {
            try await budgets.setEstimate($0, caller: caller, projectID: id, phaseID: phaseID, input: input)
        }
        return try APIResponse.json(budget).response
    }
}
