import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

extension WebRoutes {

    @Sendable func reportsPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        let key = QueryParameters(request).string("period")
        let body = try await services.pool.withConnection { try await ReportsPage.build($0, caller: caller, services: services, key: key) }
        return renderer.page("reports", Page(frame: frame(caller, sessionToken: token, title: "Reports", area: "reports"), body: body))
    }

    @Sendable func pipelineReportPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let calendar = services.quotas.calendar
        let key = QueryParameters(request).string("period") ?? calendar.period(containing: ReportPageText.today, kind: .quarter).key
        return try await reportPage(request, context, "report-pipeline", title: "Pipeline report", allowed: { PipelineAccess.canRead($0.roles) },
                                    { PipelineReportPage(reportNav: ReportNav.links($0, current: "pipeline"), period: key) }) { caller, body in
            let stored = try await services.pool.withConnection { try await services.quotas.periods($0) }
            // The picker is offered whether or not the period asked for reads.
            defer { body.periods = ReportNav.periodOptions(calendar: calendar, stored: stored, selected: body.period) }
            let period = try services.quotas.checkedPeriod(key: key)
            body.period = period.key
            let (stages, _) = try await services.reportReader.read { db in
                try await services.reports.pipeline(db, period: period, caller: caller)
            }
            body.fill(stages, currency: services.configuration.currency)
        }
    }

    @Sendable func salesPerformancePage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await reportPage(request, context, "report-sales-performance", title: "Sales performance", allowed: { PipelineAccess.canRead($0.roles) },
                             { SalesPerformancePage(reportNav: ReportNav.links($0, current: "sales-performance")) }) { caller, body in
            let (from, to) = try ReportNav.range(QueryParameters(request), calendar: services.quotas.calendar, into: &body.from, &body.to)
            let (performance, _) = try await services.reportReader.read { db in
                try await services.reports.salesPerformance(db, from: from, to: to, caller: caller)
            }
            body.fill(performance, currency: services.configuration.currency)
        }
    }

    @Sendable func deliveryReportPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await reportPage(request, context, "report-delivery", title: "Delivery report", allowed: ReportNav.isManagerial,
                             { DeliveryReportPage(reportNav: ReportNav.links($0, current: "delivery")) }) { _, body in
            let (from, to) = try ReportNav.range(QueryParameters(request), calendar: services.quotas.calendar, into: &body.from, &body.to)
            let (report, _) = try await services.reportReader.read { try await services.reports.delivery($0, from: from, to: to) }
            body.fill(report)
        }
    }

    @Sendable func growthReportPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let text = QueryParameters(request).string("weeks")
        return try await reportPage(request, context, "report-growth", title: "Organize for growth", allowed: ReportNav.isManagerial,
                                    { GrowthReportPage(reportNav: ReportNav.links($0, current: "growth"), weeks: text ?? "12") }) { _, body in
            var weeks = 12
            if let text {
                guard let n = Int(text), (1...104).contains(n) else { throw ValidationFailure("weeks", "Weeks must be a whole number from 1 to 104") }
                weeks = n
            }
            let currency = services.configuration.currency
            let (advice, _) = try await services.reportReader.read {
                try await services.reports.growth($0, weeks: weeks, thresholds: GrowthThresholds(), today: ReportPageText.today, currency: currency)
            }
            body.fill(advice, currency: currency)
        }
    }

    /// A report page for a person who may see it: the page drawn for them by `body`,
    /// then filled by `fill`; a value the report cannot read (a period, a date, a number
    /// of weeks) is said on the page, with 422, and the report left out.
    func reportPage<Body: ReportPageBody>(
        _ request: Request, _ context: BatonRequestContext, _ template: String, title: String, allowed: (Caller) -> Bool,
        _ body: (Caller) -> Body, fill: (Caller, inout Body) async throws -> Void
    ) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard allowed(caller) else { return forbidden() }
        var page = body(caller)
        var status = HTTPResponse.Status.ok
        do {
            try await fill(caller, &page)
        } catch let failure as ValidationFailure {
            page.error = ReportPageText.message(failure)
            status = .unprocessableContent
        }
        return renderer.page(template, Page(frame: frame(caller, sessionToken: token, title: title, area: "reports"), body: page),
                             status: status)
    }
}

/// A report page's body: it says why the report could not be read.
protocol ReportPageBody {
    var error: String? { get set }
}

extension PipelineReportPage: ReportPageBody {}
extension SalesPerformancePage: ReportPageBody {}
extension DeliveryReportPage: ReportPageBody {}
extension GrowthReportPage: ReportPageBody {}

/// The reports' sub-navigation, and the pickers the report pages share.
struct ReportNav {
    struct Link { var label: String; var href: String; var current: Bool }

    /// Delivery and growth are for admins, managers and project managers, as in the API.
    static func isManagerial(_ caller: Caller) -> Bool {
        caller.isAdmin || caller.has(.manager) || caller.has(.projectManager)
    }

    /// The report pages this person may open, the current one marked.
    static func links(_ caller: Caller, current: String) -> [Link] {
        var links = [Link(label: "Forecast and attainment", href: Site.reports(), current: current == "overview")]
        if PipelineAccess.canRead(caller.roles) {
            links.append(Link(label: "Pipeline", href: Site.reportPipeline(), current: current == "pipeline"))
            links.append(Link(label: "Sales performance", href: Site.reportSalesPerformance(), current: current == "sales-performance"))
            links.append(Link(label: "Recurring revenue", href: Site.reportRecurringRevenue(), current: current == "recurring-revenue"))
        }
        if isManagerial(caller) {
            links.append(Link(label: "Delivery", href: Site.reportDelivery(), current: current == "delivery"))
            links.append(Link(label: "Growth", href: Site.reportGrowth(), current: current == "growth"))
        }
        // Cost and margin: managers and admins, as the profitability API (time-and-profit.md).
        if caller.isAdmin || caller.has(.manager) {
            links.append(Link(label: "Profitability", href: Site.reportProfitability(), current: current == "profitability"))
        }
        return links
    }

    /// The periods to pick from: the quarters and years of last, this and next fiscal
    /// year, every period a quota or bonus run named, and the one shown.
    static func periodOptions(calendar: FiscalCalendar, stored: [FiscalPeriod], selected: String) -> [Choice] {
        let year = calendar.fiscalYear(containing: ReportPageText.today)
        var periods: [FiscalPeriod] = []
        for y in (year - 1)...(year + 1) { periods.append(calendar.year(y)); periods.append(contentsOf: calendar.quarters(of: y)) }
        periods.append(contentsOf: stored)
        if let shown = try? calendar.period(key: selected, field: "period") { periods.append(shown) }
        var seen = Set<String>()
        let unique = periods.filter { seen.insert($0.key).inserted }
            .sorted { ($0.start, $0.kind.order, $0.key) < ($1.start, $1.kind.order, $1.key) }
        var options = unique.map { Choice(value: $0.key, label: $0.key, selected: $0.key == selected) }
        if !seen.contains(selected) { options.append(Choice(value: selected, label: selected, selected: true)) }
        return options
    }

    /// `from` and `to` (inclusive) as the API reads them: this quarter unless given,
    /// `to` not before `from`, at most ten years. The texts asked for are kept for the form.
    static func range(_ q: QueryParameters, calendar: FiscalCalendar, into fromText: inout String, _ toText: inout String) throws -> (CalendarDate, CalendarDate) {
        let quarter = calendar.period(containing: ReportPageText.today, kind: .quarter)
        fromText = q.string("from") ?? quarter.start.description
        toText = q.string("to") ?? quarter.lastDay.description
        let from = try q.date("from") ?? quarter.start
        let to = try q.date("to") ?? quarter.lastDay
        guard from <= to else { throw ValidationFailure("to", "The end date cannot be before the start date; pick a later To.") }
        guard from.days(until: to) <= 3660 else { throw ValidationFailure("to", "A report covers at most ten years; pick a shorter range.") }
        return (from, to)
    }
}

extension FiscalPeriod.Kind {
    /// Years before their quarters before their months when they start the same day.
    fileprivate var order: Int {
        switch self {
        case .year: 0
        case .quarter: 1
        case .month: 2
        }
    }
}

/// How the report pages write numbers: money with its currency, rates as percentages,
/// hours and days to one decimal, all with grouped digits.
enum ReportPageText {
    static var today: CalendarDate { Timestamp.now.calendarDate }

    static func message(_ failure: ValidationFailure) -> String {
        failure.errors.map(\.message).joined(separator: "; ")
    }

    static func grouped(_ value: Decimal, scale: Int) -> String { value.grouped(scale: scale) }

    static func hours(_ value: Decimal) -> String { grouped(value, scale: 1) }

    /// A ratio (0.8125) as a percentage to one decimal ("81.3%"); "–" when there is none.
    static func percent(_ ratio: Decimal?) -> String {
        guard let ratio else { return "–" }
        return grouped(ratio * 100, scale: 1) + "%"
    }

    /// A ratio as a chart value in percent, exact enough for a bar.
    static func percentValue(_ ratio: Decimal?) -> String? {
        ratio.map { ($0 * 100).rounded(scale: 1).plainText }
    }

    static func json<T: Encodable>(_ value: T) -> String {
        (try? JSON.encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// What `static/reports.js` draws: a bar chart with named series. Values travel as
/// decimal strings, as in the API; `tone` names one of the palette's colours.
struct ReportChart: Encodable {
    struct Series: Encodable { var label: String; var data: [String?]; var tone: String }
    var labels: [String]
    var series: [Series]
    var horizontal = false
    var stacked = false
    /// What the values are: "money", "percent", "hours" or "count".
    var unit: String
    var currency: String?
}

/// `/reports/pipeline`: open opportunities by stage, closing in the period picked.
struct PipelineReportPage {
    struct Row { var stage: String; var name: String; var count: Int; var amount: String; var weighted: String; var age: String }
    var reportNav: [ReportNav.Link]
    var period: String
    var periods: [Choice] = []
    var error: String?
    var hasReport = false
    var rows: [Row] = []
    var totalCount = 0
    var totalAmount = "", totalWeighted = ""
    var chart = "{}"

    init(reportNav: [ReportNav.Link], period: String) {
        self.reportNav = reportNav
        self.period = period
    }

    mutating func fill(_ stages: [ReportStore.StageRow], currency: String) {
        hasReport = true
        rows = stages.map {
            Row(stage: $0.stage, name: $0.name, count: $0.count, amount: $0.amount.amount.display(currency: currency),
                weighted: $0.weighted.amount.display(currency: currency),
                age: $0.averageDaysInStage.map { ReportPageText.grouped($0.value, scale: 1) } ?? "–")
        }
        totalCount = stages.reduce(0) { $0 + $1.count }
        totalAmount = stages.reduce(Decimal(0)) { $0 + $1.amount.amount }.display(currency: currency)
        totalWeighted = stages.reduce(Decimal(0)) { $0 + $1.weighted.amount }.display(currency: currency)
        chart = ReportPageText.json(ReportChart(
            labels: stages.map(\.name),
            series: [.init(label: "Amount", data: stages.map { $0.amount.description }, tone: "light"),
                     .init(label: "Weighted", data: stages.map { $0.weighted.description }, tone: "accent")],
            unit: "money", currency: currency))
    }
}

/// `/reports/sales-performance`: won and lost deals closed in the range, by person
/// and by typical project.
struct SalesPerformancePage {
    struct Row { var key: String; var won: Int; var lost: Int; var winRate: String; var averageDealSize: String; var averageCycleDays: String }
    var reportNav: [ReportNav.Link]
    /// `from`, `to`: the date boxes' ISO values; `span`: the window as headings say it.
    var from = "", to = "", span = ""
    var error: String?
    var hasReport = false
    var byPerson: [Row] = [], byProject: [Row] = []
    var hasPeople = false, hasProjects = false
    var personChart = "{}", projectChart = "{}"

    init(reportNav: [ReportNav.Link]) { self.reportNav = reportNav }

    mutating func fill(_ p: ReportStore.Performance, currency: String) {
        hasReport = true
        from = p.from.description
        to = p.to.description
        span = Formatting.span(p.from, p.to)
        func row(_ r: PerformanceRow) -> Row {
            Row(key: r.key, won: r.won, lost: r.lost, winRate: ReportPageText.percent(r.winRate?.value),
                averageDealSize: r.averageDealSize.map { $0.amount.display(currency: currency) } ?? "–",
                averageCycleDays: r.averageCycleDays.map { ReportPageText.grouped($0.value, scale: 1) } ?? "–")
        }
        func chart(_ rows: [PerformanceRow]) -> String {
            ReportPageText.json(ReportChart(
                labels: rows.map(\.key),
                series: [.init(label: "Won", data: rows.map { String($0.won) }, tone: "won"),
                         .init(label: "Lost", data: rows.map { String($0.lost) }, tone: "lost")],
                horizontal: true, stacked: true, unit: "count"))
        }
        byPerson = p.byPerson.map(row)
        byProject = p.byTypicalProject.map(row)
        hasPeople = !byPerson.isEmpty
        hasProjects = !byProject.isEmpty
        personChart = chart(p.byPerson)
        projectChart = chart(p.byTypicalProject)
    }
}

/// `/reports/delivery`: phases done on time, and utilization by person and by skill.
struct DeliveryReportPage {
    struct Row { var name: String; var assigned: String; var capacity: String; var utilization: String; var over: Bool }
    var reportNav: [ReportNav.Link]
    /// `from`, `to`: the date boxes' ISO values; `span`: the window as headings say it.
    var from = "", to = "", span = ""
    var error: String?
    var hasReport = false
    var phasesCompleted = 0, onTime = 0
    var onTimeRate = "–"
    var hasPhases = false
    var onTimeBar = "0"
    var byPerson: [Row] = [], bySkill: [Row] = []
    var personChart = "{}", skillChart = "{}"

    init(reportNav: [ReportNav.Link]) { self.reportNav = reportNav }

    mutating func fill(_ r: ReportStore.DeliveryReport) {
        hasReport = true
        from = r.from.description
        to = r.to.description
        span = Formatting.span(r.from, r.to)
        phasesCompleted = r.phasesCompleted
        onTime = r.onTime
        hasPhases = r.phasesCompleted > 0
        onTimeRate = ReportPageText.percent(r.onTimeRate?.value)
        onTimeBar = ReportPageText.percentValue(r.onTimeRate?.value) ?? "0"
        func row(_ name: String, _ assigned: DecimalString, _ capacity: DecimalString, _ utilization: DecimalString?) -> Row {
            Row(name: name, assigned: ReportPageText.hours(assigned.value), capacity: ReportPageText.hours(capacity.value),
                utilization: ReportPageText.percent(utilization?.value), over: (utilization?.value ?? 0) > 1)
        }
        byPerson = r.byPerson.map { row($0.name, $0.assignedHours, $0.capacityHours, $0.utilization) }
        bySkill = r.bySkill.map { row($0.skill, $0.assignedHours, $0.capacityHours, $0.utilization) }
        personChart = ReportPageText.json(ReportChart(
            labels: r.byPerson.map(\.name),
            series: [.init(label: "Utilization", data: r.byPerson.map { ReportPageText.percentValue($0.utilization?.value) }, tone: "accent")],
            horizontal: true, unit: "percent"))
        skillChart = ReportPageText.json(ReportChart(
            labels: r.bySkill.map(\.skill),
            series: [.init(label: "Utilization", data: r.bySkill.map { ReportPageText.percentValue($0.utilization?.value) }, tone: "accent")],
            horizontal: true, unit: "percent"))
    }
}

/// `/reports/growth`: the answer to "more project management or more account
/// management?", in a sentence, with demand against capacity per skill and every
/// figure and threshold behind it.
struct GrowthReportPage {
    struct Skill { var skill: String; var demand: String; var capacity: String; var load: String; var short: String; var isShort: Bool }
    struct Short { var skill: String; var hours: String }
    var reportNav: [ReportNav.Link]
    var weeks: String
    var error: String?
    var hasReport = false
    var recommendation = "", sentence = ""
    var deliveryLoad = "–", salesCoverage = "–"
    /// The thresholds the advice was judged by.
    var loadHigh = "", loadRoom = "", coverageHealthy = "", coverageLow = ""
    var demandHours = "", capacityHours = "", capacityNeededHours = ""
    var openPipeline = "", remainingQuota = "", pipelineNeeded = "", renewalsDue = ""
    var skills: [Skill] = []
    var shortSkills: [Short] = []
    var hasShortSkills = false
    var chart = "{}"

    init(reportNav: [ReportNav.Link], weeks: String) {
        self.reportNav = reportNav
        self.weeks = weeks
    }

    static func words(_ r: GrowthRecommendation) -> String {
        switch r {
        case .strengthenProjectManagement: "Strengthen project management"
        case .strengthenAccountManagement: "Strengthen account management"
        case .both: "Strengthen both project and account management"
        case .balanced: "Balanced: neither side is short"
        }
    }

    mutating func fill(_ a: GrowthAdvice, currency: String) {
        hasReport = true
        weeks = String(a.weeks)
        recommendation = Self.words(a.recommendation)
        sentence = a.sentence
        deliveryLoad = a.deliveryLoad.map { ReportPageText.grouped($0.value, scale: 2) } ?? "–"
        salesCoverage = a.salesCoverage.map { ReportPageText.grouped($0.value, scale: 2) } ?? "–"
        loadHigh = ReportPageText.grouped(a.thresholds.loadHigh, scale: 2)
        loadRoom = ReportPageText.grouped(a.thresholds.loadRoom, scale: 2)
        coverageHealthy = ReportPageText.grouped(a.thresholds.coverageHealthy, scale: 1)
        coverageLow = ReportPageText.grouped(a.thresholds.coverageLow, scale: 1)
        demandHours = ReportPageText.hours(a.demandHours.value)
        capacityHours = ReportPageText.hours(a.capacityHours.value)
        capacityNeededHours = ReportPageText.hours(a.capacityNeededHours.value)
        openPipeline = a.openPipeline.amount.display(currency: currency)
        remainingQuota = a.remainingQuota.amount.display(currency: currency)
        renewalsDue = "\(a.renewalsDue), \(a.renewalsDueArr.amount.display(currency: currency)) ARR"
        pipelineNeeded = a.pipelineNeeded.amount.display(currency: currency)
        skills = a.skills.map {
            Skill(skill: $0.skill, demand: ReportPageText.hours($0.demandHours.value), capacity: ReportPageText.hours($0.capacityHours.value),
                  load: $0.load.map { ReportPageText.grouped($0.value, scale: 2) } ?? "–", short: ReportPageText.hours($0.shortHours.value),
                  isShort: $0.shortHours.value > 0)
        }
        let byName = Dictionary(a.skills.map { ($0.skill, $0) }, uniquingKeysWith: { first, _ in first })
        shortSkills = a.shortSkills.map { Short(skill: $0, hours: byName[$0].map { ReportPageText.hours($0.shortHours.value) } ?? "–") }
        hasShortSkills = !shortSkills.isEmpty
        chart = ReportPageText.json(ReportChart(
            labels: a.skills.map(\.skill),
            series: [.init(label: "Demand", data: a.skills.map { $0.demandHours.description }, tone: "accent"),
                     .init(label: "Capacity", data: a.skills.map { $0.capacityHours.description }, tone: "light")],
            unit: "hours"))
    }
}
