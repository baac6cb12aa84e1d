import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/reports/*` and an account's white space. The reports read through the
/// `ReportReader` (a replica when one is configured) and say which answered.
struct ReportRoutes {
    let services: AppServices
    var store: ReportStore { services.reports }

    static var today: CalendarDate { Timestamp.now.calendarDate }

    @Sendable func attainment(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let q = QueryParameters(request)
        let metric = try q.enumeration("metric", QuotaMetric.self) ?? .totalBookings
        struct Body: Encodable { var period: String; var metric: QuotaMetric; var rows: [AttainmentRow] }
        return try await teamReport(request, context) { db, period, root in
            Body(period: period.key, metric: metric, rows: try await store.attainment(db, period: period, metric: metric, root: root))
        }
    }

    @Sendable func forecast(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let metric = try QueryParameters(request).enumeration("metric", QuotaMetric.self) ?? .totalBookings
        // Completed work has no pipeline to forecast.
        guard metric != .completedWork else { throw ValidationFailure("metric", "The forecast is of a bookings metric, not completed_work") }
        struct Body: Encodable { var period: String; var metric: QuotaMetric; var rows: [ForecastRow] }
        return try await teamReport(request, context) { db, period, root in
            Body(period: period.key, metric: metric, rows: try await store.forecast(db, period: period, root: root, metric: metric))
        }
    }

    @Sendable func pipeline(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        // This quarter unless asked: the whole open pipeline of every year is rarely the question.
        let key = try period(QueryParameters(request))
        struct Body: Encodable { var period: String?; var stages: [ReportStore.StageRow] }
        let (body, source) = try await services.reportReader.read { db in
            let period = try services.quotas.checkedPeriod(key: key)
            return Body(period: period.key, stages: try await store.pipeline(db, period: period, caller: caller))
        }
        return try APIResponse.json(body, headers: source.headers).response
    }

    @Sendable func salesPerformance(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let (from, to) = try range(QueryParameters(request))
        let (body, source) = try await services.reportReader.read { try await store.salesPerformance($0, from: from, to: to, caller: caller) }
        return try APIResponse.json(body, headers: source.headers).response
    }

    @Sendable func delivery(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try requireManagerial(try context.requireCaller())
        let (from, to) = try range(QueryParameters(request))
        let (body, source) = try await services.reportReader.read { try await store.delivery($0, from: from, to: to) }
        return try APIResponse.json(body, headers: source.headers).response
    }

    @Sendable func growth(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try requireManagerial(try context.requireCaller())
        let q = QueryParameters(request)
        var weeks = 12
        if let text = q.string("weeks") {
            guard let n = Int(text), (1...104).contains(n) else { throw ValidationFailure("weeks", "weeks must be a whole number from 1 to 104") }
            weeks = n
        }
        var thresholds = GrowthThresholds()
        for (name, path) in [("loadHigh", \GrowthThresholds.loadHigh), ("loadRoom", \.loadRoom),
                             ("coverageHealthy", \.coverageHealthy), ("coverageLow", \.coverageLow)] {
            guard let text = q.string(name) else { continue }
            guard let value = Decimal(apiText: text), value >= 0, value <= 100 else {
                throw ValidationFailure(name, "\(name) must be a decimal number from 0 to 100")
            }
            thresholds[keyPath: path] = value
        }
        try thresholds.validate()
        let t = thresholds
        let (advice, source) = try await services.reportReader.read {
            try await store.growth($0, weeks: weeks, thresholds: t, today: Self.today, currency: services.configuration.currency)
        }
        return try APIResponse.json(advice, headers: source.headers).response
    }

    @Sendable func whiteSpace(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let items = try await services.pool.withConnection { db in
            guard try await services.accounts.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("account") }
            return try await store.whiteSpace(db, accountID: id)
        }
        return try APIResponse.json(Page(fetched: items, limit: items.count) { [String($0.typicalProjectId)] }).response
    }

    /// Attainment and forecast: a reader's team (or the manager asked for) in a period,
    /// read where the reports are read. The period is checked after the team, as before.
    private func teamReport<Body: Encodable & Sendable>(
        _ request: Request, _ context: BatonRequestContext,
        _ body: (Connection, FiscalPeriod, Int64?) async throws -> Body
    ) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let q = QueryParameters(request)
        let key = try period(q)
        let (answer, source) = try await services.reportReader.read { db in
            let root = try await store.root(db, caller: caller, managerID: try q.id("managerId"))
            return try await body(db, try services.quotas.checkedPeriod(key: key), root)
        }
        return try APIResponse.json(answer, headers: source.headers).response
    }

    private func period(_ q: QueryParameters) throws -> String {
        if let key = q.string("period") { return key }
        return services.quotas.calendar.period(containing: Self.today, kind: .quarter).key
    }

    /// `from` and `to` (inclusive); the current quarter when not given.
    private func range(_ q: QueryParameters) throws -> (CalendarDate, CalendarDate) {
        let quarter = services.quotas.calendar.period(containing: Self.today, kind: .quarter)
        let from = try q.date("from") ?? quarter.start
        let to = try q.date("to") ?? quarter.lastDay
        guard from <= to else { throw ValidationFailure("to", "to cannot be before from") }
        guard from.days(until: to) <= 3660 else { throw ValidationFailure("to", "A report covers at most ten years") }
        return (from, to)
    }

    private func requireManagerial(_ caller: Caller) throws {
        guard caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) else {
            throw APIError.forbidden("Delivery and growth reports are for managers, project managers and admins.")
        }
    }
}
