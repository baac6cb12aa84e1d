import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Postgres

/// What the profitability report is asked: the grouping and the window. The API and the
/// page read it the same way, so they answer the same question with the same defaults
/// (by project, the last 364 days to today).
struct ProfitabilityQuestion: Sendable {
    var by: ProfitabilityGrouping
    var from, to: CalendarDate
    var csv: Bool

    init(_ query: QueryParameters) throws {
        by = try query.enumeration("by", ProfitabilityGrouping.self) ?? .project
        to = try query.date("to") ?? Timestamp.now.calendarDate
        from = try query.date("from") ?? to.adding(days: -364)
        guard from <= to, from.days(until: to) <= 3660 else {
            throw ValidationFailure("from", "The window runs forwards and at most ten years")
        }
        csv = try query.enumeration("format", ProfitabilityFormat.self) == .csv
    }

    /// The report, read as every report is (`reportReader`), for managers and admins.
    func report(_ services: AppServices, caller: Caller) async throws -> ProfitabilityReport {
        try RateActions.requireReader(caller)
        return try await services.reportReader.read { try await ProfitabilityStore().report($0, caller: caller, by: by, from: from, to: to) }.0
    }

    /// The same with at most `limit` lines, the ones with the most cost, and how many there were.
    func report(_ services: AppServices, caller: Caller, keeping limit: Int) async throws -> (report: ProfitabilityReport, lineCount: Int) {
        try RateActions.requireReader(caller)
        return try await services.reportReader.read {
            try await ProfitabilityStore().report($0, caller: caller, by: by, from: from, to: to, keeping: limit)
        }.0
    }

    func csvResponse(_ report: ProfitabilityReport) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                        .contentDisposition: "attachment; filename=\"profitability-\(by.rawValue).csv\""],
                 body: .init(byteBuffer: .init(string: ProfitabilityStore.csv(report))))
    }
}

/// `/reports/profitability`: margin by the grouping picked (chart, then table), and each
/// person's actual utilization beside the planned (chart, then table); the CSV link
/// downloads the same lines. Values are the API's, so the page and the API agree.
struct ProfitabilityPage: ReportPageBody {
    var reportNav: [ReportNav.Link]
    /// `from`, `to`: the date boxes' ISO values; `span`: the window as headings say it.
    var from = "", to = "", span = "", by = ProfitabilityGrouping.project.rawValue
    var groupings: [Choice] = []
    /// The grouping's name as the headings say it ("Typical project").
    var byLabel = "Project"
    var error: String?
    var report: ProfitabilityReport?
    var csv = ""
    var marginChart = "{}", utilizationChart = "{}"
    /// The lines the table and chart show: all of them up to `linesShown`, else the ones
    /// with the most cost, in the report's order; the total and the CSV keep every line.
    var shownLines: [ProfitabilityReport.Line] = []
    /// "The 100 projects with the most cost, of 1,543", when lines are left out.
    var linesNote: String?

    /// A table of a thousand projects (a year at a large firm) is neither read nor drawn
    /// quickly: 480 KB of HTML and 1,500 bars.
    static let linesShown = 100

    static let labels: [ProfitabilityGrouping: String] = [
        .project: "Project", .account: "Account", .typicalProject: "Typical project", .projectManager: "Project manager", .quarter: "Quarter",
    ]

    /// `lineCount`: how many lines the report had when the store already kept only the
    /// ones shown (`ProfitabilityQuestion.report(_:caller:keeping:)`).
    mutating func fill(_ r: ProfitabilityReport, lineCount: Int? = nil, currency: String) {
        report = r
        shownLines = ProfitabilityReport.mostCost(r.lines.map(\.cost.amount), limit: Self.linesShown).map { r.lines[$0] }
        let count = lineCount ?? r.lines.count
        if count > Self.linesShown {
            linesNote = "The \(Self.linesShown) \(byLabel.lowercased())s with the most cost, of \(Formatting.count(count)); "
                + "the total counts every one, and the CSV lists them all."
        }
        marginChart = ReportPageText.json(ReportChart(
            labels: shownLines.map(\.label),
            series: [.init(label: "Value", data: shownLines.map { $0.value.description }, tone: "light"),
                     .init(label: "Cost", data: shownLines.map { $0.cost.description }, tone: "lost"),
                     .init(label: "Margin", data: shownLines.map { $0.margin.description }, tone: "accent")],
            unit: "money", currency: currency))
        utilizationChart = ReportPageText.json(ReportChart(
            labels: r.utilization.map(\.name),
            series: [.init(label: "Actual", data: r.utilization.map { $0.actualUtilization?.description }, tone: "accent"),
                     .init(label: "Planned", data: r.utilization.map { $0.plannedUtilization?.description }, tone: "light")],
            horizontal: true, unit: "percent"))
    }
}

// The page and the report answer the template by name. Mustache otherwise reflects a struct
// (`Mirror`) for every value it reads, and for an absent one (a line without margin %, the
// budget column outside by-project) climbs the stack reflecting the report, the page and the
// frame as well: 100 lines and 60 people read 1,500 values. An absent value answers
// `ProfitabilityAbsent`, which draws as nil does but ends the search where it is; no
// enclosing value of this page has those names, so the page reads the same.
extension ProfitabilityPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "reportNav": reportNav
        case "from": from
        case "to": to
        case "span": span
        case "by": by
        case "groupings": groupings
        case "byLabel": byLabel
        case "error": ProfitabilityAbsent.or(error)
        case "report": ProfitabilityAbsent.or(report)
        case "csv": csv
        case "marginChart": marginChart
        case "utilizationChart": utilizationChart
        case "shownLines": shownLines
        case "linesNote": ProfitabilityAbsent.or(linesNote)
        default: nil
        }
    }
}

extension ProfitabilityReport: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "from": from
        case "to": to
        case "by": by
        case "lines": lines
        case "total": total
        case "utilization": utilization
        default: nil
        }
    }
}

extension ProfitabilityReport.Line: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "key": key
        case "label": label
        case "hours": hours
        case "cost": cost
        case "value": value
        case "margin": margin
        case "marginPercent": ProfitabilityAbsent.or(marginPercent)
        case "budgetHours": ProfitabilityAbsent.or(budgetHours)
        case "overBudget": ProfitabilityAbsent.or(overBudget)
        default: nil
        }
    }
}

extension ProfitabilityReport.Person: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "userId": userId
        case "name": self.name
        case "billableHours": billableHours
        case "workingHours": workingHours
        case "plannedHours": plannedHours
        case "actualUtilization": ProfitabilityAbsent.or(actualUtilization)
        case "plannedUtilization": ProfitabilityAbsent.or(plannedUtilization)
        default: nil
        }
    }
}

/// A value the page has no figure for: Mustache takes it for nil (nothing drawn, a section
/// skipped, an inverted one drawn) once found, so it looks no further up the stack.
struct ProfitabilityAbsent: MustacheCustomRepresentation {
    var representation: Any? { nil }

    static func or<T>(_ value: T?) -> Any { value.map { $0 as Any } ?? ProfitabilityAbsent() }
}

extension WebRoutes {
    /// The profitability report page, or its CSV with `format=csv`; managers and admins,
    /// as the API.
    @Sendable func profitabilityPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard caller.isAdmin || caller.has(.manager) else { return forbidden() }
        let query = QueryParameters(request)
        var page = ProfitabilityPage(reportNav: ReportNav.links(caller, current: "profitability"))
        page.from = query.string("from") ?? ""
        page.to = query.string("to") ?? ""
        page.by = query.string("by") ?? page.by
        var status = HTTPResponse.Status.ok
        do {
            let question = try ProfitabilityQuestion(query)
            if question.csv { return question.csvResponse(try await question.report(services, caller: caller)) }
            let (report, lineCount) = try await question.report(services, caller: caller, keeping: ProfitabilityPage.linesShown)
            (page.from, page.to, page.by) = (question.from.description, question.to.description, question.by.rawValue)
            page.span = Formatting.span(question.from, question.to)
            page.csv = "\(Site.reportProfitability())?by=\(question.by.rawValue)&from=\(question.from)&to=\(question.to)&format=csv"
            page.byLabel = ProfitabilityPage.labels[question.by] ?? "Project"
            page.fill(report, lineCount: lineCount, currency: services.configuration.currency)
        } catch let failure as ValidationFailure {
            page.error = ReportPageText.message(failure)
            status = .unprocessableContent
        }
        page.byLabel = ProfitabilityGrouping(rawValue: page.by).flatMap { ProfitabilityPage.labels[$0] } ?? "Project"
        page.groupings = ProfitabilityGrouping.allCases.map {
            .init(value: $0.rawValue, label: ProfitabilityPage.labels[$0] ?? $0.rawValue, selected: $0.rawValue == page.by)
        }
        return renderer.page("report-profitability",
                             Page(frame: frame(caller, sessionToken: token, title: "Profitability", area: "reports"), body: page), status: status)
    }
}
