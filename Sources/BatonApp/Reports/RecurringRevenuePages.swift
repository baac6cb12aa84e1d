import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird

/// `/reports/recurring-revenue`: the MRR movement (chart, then table, by month, account
/// or owner), retention by quarter (chart, then table) and the renewals due in the next
/// 30, 60 or 90 days, all from the API's questions so page and API agree; each table's
/// CSV is the API's with the same values.
struct RecurringRevenuePage: ReportPageBody {
    struct Line { var label: String; var opening, new, expansion, contraction, churn, renewal, closing, arr: String }
    struct Quarter { var quarter, from, to, opening, churn, contraction, expansion, gross, net: String }
    struct Renewal { var renewal: RenewalDue; var accountHref, endOn, noticeBy, arr, status, stage: String }
    var reportNav: [ReportNav.Link]
    var from = "", to = "", by = RecurringRevenueGrouping.month.rawValue, within = "90"
    var groupings: [Choice] = [], windows: [Choice] = []
    var byLabel = "Month"
    var error: String?
    var hasReport = false
    var lines: [Line] = []
    var total: Line?
    var quarters: [Quarter] = []
    var renewals: [Renewal] = []
    var hasRenewals = false
    var within30 = 0, within60 = 0, within90 = 0
    var movementCSV = "", retentionCSV = "", renewalsCSV = ""
    var movementChart = "{}", retentionChart = "{}", renewalChart = "{}"

    static let labels: [RecurringRevenueGrouping: String] = [.month: "Month", .account: "Account", .owner: "Owner"]

    init(reportNav: [ReportNav.Link], query: QueryParameters) {
        self.reportNav = reportNav
        from = query.string("from") ?? ""
        to = query.string("to") ?? ""
        by = query.string("by") ?? by
        within = query.string("within") ?? within
        byLabel = RecurringRevenueGrouping(rawValue: by).flatMap { Self.labels[$0] } ?? "Month"
        groupings = RecurringRevenueGrouping.allCases.map { .init(value: $0.rawValue, label: Self.labels[$0] ?? $0.rawValue, selected: $0.rawValue == by) }
        windows = [30, 60, 90].map { .init(value: String($0), label: "\($0) days", selected: String($0) == within) }
    }

    /// "2027-01" as "Jan 2027"; an account's or owner's name as it is.
    static func monthLabel(_ key: String) -> String {
        guard key.count == 7, let date = CalendarDate(key + "-01") else { return key }
        return "\(Formatting.monthNames[date.month - 1]) \(date.year)"
    }

    mutating func fill(_ r: RecurringRevenueReport, currency: String) {
        hasReport = true
        (from, to) = (r.from.description, r.to.description)
        func money(_ m: Money) -> String { Formatting.money(m.amount, currency: currency) }
        func line(_ l: RecurringRevenueLine) -> Line {
            Line(label: Self.monthLabel(l.label), opening: money(l.opening), new: money(l.new), expansion: money(l.expansion),
                 contraction: money(l.contraction), churn: money(l.churn), renewal: money(l.renewal), closing: money(l.closing), arr: money(l.arr))
        }
        lines = r.lines.map(line)
        total = line(r.total)
        // Gains above the axis, losses below it, the closing MRR beside them.
        movementChart = ReportPageText.json(ReportChart(
            labels: lines.map(\.label),
            series: [.init(label: "New", data: r.lines.map { $0.new.description }, tone: "accent"),
                     .init(label: "Expansion", data: r.lines.map { $0.expansion.description }, tone: "won"),
                     .init(label: "Contraction", data: r.lines.map { (-$0.contraction.amount).moneyText }, tone: "light"),
                     .init(label: "Churn", data: r.lines.map { (-$0.churn.amount).moneyText }, tone: "lost")],
            horizontal: r.by != RecurringRevenueGrouping.month.rawValue, stacked: true, unit: "money", currency: currency))
    }

    mutating func fill(_ r: RetentionReport, currency: String) {
        func money(_ m: Money) -> String { Formatting.money(m.amount, currency: currency) }
        quarters = r.quarters.map {
            Quarter(quarter: $0.quarter, from: Formatting.date($0.from), to: Formatting.date($0.to), opening: money($0.opening),
                    churn: money($0.churn), contraction: money($0.contraction), expansion: money($0.expansion),
                    gross: ReportPageText.percent($0.grossRetention?.value), net: ReportPageText.percent($0.netRetention?.value))
        }
        retentionChart = ReportPageText.json(ReportChart(
            labels: r.quarters.map(\.quarter),
            series: [.init(label: "Gross retention", data: r.quarters.map { ReportPageText.percentValue($0.grossRetention?.value) }, tone: "light"),
                     .init(label: "Net retention", data: r.quarters.map { ReportPageText.percentValue($0.netRetention?.value) }, tone: "accent")],
            unit: "percent"))
    }

    mutating func fill(_ r: RenewalsDueReport, currency: String) {
        (within30, within60, within90) = (r.within30, r.within60, r.within90)
        renewals = r.renewals.map {
            Renewal(renewal: $0, accountHref: Site.account($0.agreement.accountId), endOn: Formatting.date($0.agreement.endOn),
                    noticeBy: Formatting.date($0.noticeBy), arr: Formatting.money($0.agreement.arr.amount, currency: currency),
                    status: Formatting.label($0.agreement.status.rawValue), stage: $0.renewalStage ?? "Not opened yet")
        }
        hasRenewals = !renewals.isEmpty
        let windows = [30, 60, 90].filter { $0 <= r.within }
        renewalChart = ReportPageText.json(ReportChart(
            labels: windows.map { "\($0) days" },
            series: [.init(label: "ARR ending", data: windows.map { w in
                r.renewals.filter { $0.window == w }.reduce(Decimal(0)) { $0 + $1.agreement.arr.amount }.moneyText
            }, tone: "accent")],
            unit: "money", currency: currency))
    }
}

extension WebRoutes {
    /// The recurring revenue report page, for whoever sees the pipeline, as the API.
    @Sendable func recurringRevenuePage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let currency = services.configuration.currency
        return try await reportPage(request, context, "report-recurring-revenue", title: "Recurring revenue", allowed: { PipelineAccess.canRead($0.roles) },
                                    { RecurringRevenuePage(reportNav: ReportNav.links($0, current: "recurring-revenue"), query: query) }) { caller, body in
            let today = ReportPageText.today
            let movement = try RecurringRevenueQuestion(query, today: today)
            var retention = try RetentionQuestion(query, calendar: services.quotas.calendar, today: today)
            // One window for the whole page: the quarters the movement's dates touch.
            (retention.from, retention.to) = (movement.from, movement.to)
            let renewals = try RenewalsDueQuestion(query)
            body.fill(try await movement.report(services, caller: caller, today: today).0, currency: currency)
            body.fill(try await retention.report(services, caller: caller, today: today).0, currency: currency)
            body.fill(try await renewals.report(services, caller: caller, today: today).0, currency: currency)
            let window = "from=\(movement.from)&to=\(movement.to)"
            body.movementCSV = "/api/v1/reports/recurring-revenue?by=\(movement.by.rawValue)&\(window)&format=csv"
            body.retentionCSV = "/api/v1/reports/retention?\(window)&format=csv"
            body.renewalsCSV = "/api/v1/reports/renewals-due?within=\(renewals.within)&format=csv"
        }
    }
}
