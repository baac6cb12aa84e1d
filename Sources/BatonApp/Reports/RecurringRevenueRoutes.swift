import BatonCore
import Dates
import Foundation
import Hummingbird

/// `/reports/recurring-revenue`, `/reports/retention` and `/reports/renewals-due`: the
/// recurring book of the accounts the caller sees, for whoever sees the pipeline, read
/// through the `ReportReader` as every report is; `format=csv` answers the lines as CSV.
struct RecurringRevenueRoutes {
    let services: AppServices

    @Sendable func recurringRevenue(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await answer(context) { try RecurringRevenueQuestion(QueryParameters(request), today: ReportRoutes.today) }
    }

    @Sendable func retention(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await answer(context) { try RetentionQuestion(QueryParameters(request), calendar: services.quotas.calendar, today: ReportRoutes.today) }
    }

    @Sendable func renewalsDue(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await answer(context) { try RenewalsDueQuestion(QueryParameters(request)) }
    }

    /// The question read from the address, answered for a caller who sees the pipeline,
    /// as JSON or as its CSV.
    private func answer<Question: RecurringRevenueAsk>(_ context: BatonRequestContext, _ read: () throws -> Question) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let question = try read()
        let (report, source) = try await question.report(services, caller: caller, today: ReportRoutes.today)
        return question.csv ? question.csvResponse(report) : try APIResponse.json(report, headers: source.headers).response
    }
}

/// A recurring revenue report's question: what it answers, and how as CSV.
protocol RecurringRevenueAsk: Sendable {
    associatedtype Report: Encodable & Sendable
    var csv: Bool { get }
    func report(_ services: AppServices, caller: Caller, today: CalendarDate) async throws -> (Report, ReportReader.Source)
    func csvResponse(_ report: Report) -> Response
}

extension RecurringRevenueQuestion: RecurringRevenueAsk {}
extension RetentionQuestion: RecurringRevenueAsk {}
extension RenewalsDueQuestion: RecurringRevenueAsk {}
