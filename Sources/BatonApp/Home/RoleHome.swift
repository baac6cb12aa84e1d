import BatonCore
import Dates
import Foundation
import Postgres

/// The figures of a manager's home (issue 19, item 8): their team's quarter, read from
/// the same report rows `/api/v1/reports/attainment` and `/forecast` give for their
/// line, the team's deals closing this month and its phases late or due.
struct TeamHome {
    struct Member { var userId: Int64; var name, credited, quota, percent: String }
    struct Deal { var opportunity: OpportunityRecord; var amount, closes, stage, owner: String }
    var period, month: String
    /// One gauge per metric the team carries a quota or a credit on.
    var attainment: [HomePage.QuotaProgress]
    var members: [Member]
    var forecast: [Figures]
    var closing: [Deal]
    var phases: [HomePage.PhaseDue]
    var hasMembers, hasClosing, hasPhases: Bool

    static func build(_ db: Connection, caller: Caller, services: AppServices, today: CalendarDate) async throws -> TeamHome {
        let currency = services.configuration.currency
        let calendar = services.quotas.calendar
        let quarter = calendar.period(containing: today, kind: .quarter)
        let reports = services.reports
        var gauges: [HomePage.QuotaProgress] = []
        var members: [Member] = []
        var names: [Int64: String] = [:]
        for (metric, words) in [(QuotaMetric.totalBookings, "Team bookings"), (.completedWork, "Team completed work")] {
            let rows = try await reports.attainment(db, period: quarter, metric: metric, root: caller.id)
            for row in rows { names[row.userId] = row.name }
            guard let team = Self.line(of: caller.id, in: rows, rollup: \.rollup, person: \.userId),
                team.quota != nil || team.credited.amount != 0
            else { continue }
            gauges.append(HomePage.progress(team, metric: words, period: quarter.key, currency: currency))
            // Each direct report with their own line's figures, for the first metric shown.
            guard members.isEmpty else { continue }
            members = rows.filter { $0.managerId == caller.id && !$0.rollup }.compactMap {
                Self.line(of: $0.userId, in: rows, rollup: \.rollup, person: \.userId)
            }.map {
                Member(userId: $0.userId, name: $0.name, credited: $0.credited.amount.display(currency: currency),
                       quota: $0.quota.map { $0.amount.display(currency: currency) } ?? "no quota", percent: ReportPageText.percent($0.attainment?.value))
            }
        }
        let forecastRows = try await reports.forecast(db, period: quarter, root: caller.id)
        // The sales forecast, when the line sells (a delivery team's would be all zeros).
        var forecast: [Figures] = []
        if let row = Self.line(of: caller.id, in: forecastRows, rollup: \.rollup, person: \.userId),
            row.quota != nil || row.closed.amount != 0 || row.pipeline.amount != 0 {
            forecast = [Figures(row, currency: currency)]
        }

        // The line's own open deals closing this month (owned by someone in it).
        let month = calendar.period(containing: today, kind: .month)
        let stages = Dictionary(try await services.stages.all(db).map { ($0.key, $0.name) }, uniquingKeysWith: { a, _ in a })
        let deals = try await services.opportunities.list(
            db, visibleTo: caller, filter: .init(closingFrom: month.start, closingTo: month.lastDay), page: try PageRequest(limit: 200)).items
        let closing = deals.filter { $0.wonOn == nil && $0.lostOn == nil && names[$0.ownerId] != nil }.sorted { ($0.closeDate, $0.id) < ($1.closeDate, $1.id) }.prefix(10).map {
            Deal(opportunity: $0, amount: $0.amount.amount.display(currency: currency), closes: Formatting.date($0.closeDate),
                 stage: stages[$0.stage] ?? Formatting.label($0.stage), owner: names[$0.ownerId] ?? "")
        }

        // Phases late or due within two weeks on the projects the line manages.
        var phases: [ProjectStore.PhaseDue] = []
        for id in names.keys.sorted() {
            phases += try await services.projects.phasesDue(db, managerID: id, until: today.adding(days: 14), limit: 20)
        }
        let shown = phases.sorted { ($0.dueDate, $0.projectID) < ($1.dueDate, $1.projectID) }.prefix(15).map { HomePage.phaseDue($0, today: today) }

        return TeamHome(period: quarter.key, month: Formatting.date(month.start).split(separator: " ").dropFirst().joined(separator: " "),
                        attainment: gauges, members: members, forecast: forecast, closing: Array(closing),
                        phases: Array(shown), hasMembers: !members.isEmpty, hasClosing: !closing.isEmpty, hasPhases: !shown.isEmpty)
    }

    /// A person's whole line in a report: their roll-up row when they have people
    /// under them, else their own row.
    static func line<Row>(of userID: Int64, in rows: [Row], rollup: KeyPath<Row, Bool>, person: KeyPath<Row, Int64>) -> Row? {
        rows.first { $0[keyPath: person] == userID && $0[keyPath: rollup] } ?? rows.first { $0[keyPath: person] == userID }
    }

    /// A forecast row in money words: closed, commit, best case, the open pipeline and
    /// its weighted amount, the gap to quota and the pipeline's coverage of it.
    struct Figures {
        var closed, commit, bestCase, pipeline, weighted, gap, coverage: String

        init(_ row: ForecastRow, currency: String) {
            func money(_ m: Money) -> String { m.amount.display(currency: currency) }
            closed = money(row.closed)
            commit = money(row.commit)
            bestCase = money(row.bestCase)
            pipeline = money(row.pipeline)
            weighted = money(row.weighted)
            gap = row.gap.map(money) ?? "no quota"
            coverage = row.coverage.map { $0.value.grouped(scale: 1) + "×" } ?? "–"
        }
    }
}

/// The figures of an admin's home: the firm's quarter (the sum over the top of the
/// reporting lines, as the reports roll them up) and what is not configured yet.
struct FirmHome {
    struct Setup { var what, href, label: String }
    var period: String
    var bookings: [HomePage.QuotaProgress]
    var forecast: [TeamHome.Figures]
    var openDeals: Int
    var openPipeline, weightedPipeline: String
    var setup: [Setup]
    var hasSetup: Bool

    static func build(_ db: Connection, caller: Caller, services: AppServices, today: CalendarDate) async throws -> FirmHome {
        let currency = services.configuration.currency
        let quarter = services.quotas.calendar.period(containing: today, kind: .quarter)
        let reports = services.reports

        // The firm is the sum of its top-level lines (people with no manager).
        let attainment = try await reports.attainment(db, period: quarter, metric: .totalBookings, root: nil)
        let tops = attainment.filter { $0.managerId == nil && !$0.rollup }.compactMap {
            TeamHome.line(of: $0.userId, in: attainment, rollup: \.rollup, person: \.userId)
        }
        let quotas = tops.compactMap { $0.quota?.amount }
        let credited = tops.reduce(Decimal(0)) { $0 + $1.credited.amount }
        let quota: Decimal? = quotas.isEmpty ? nil : quotas.reduce(0, +)
        let ratio = quota.flatMap { $0 == 0 ? nil : credited / $0 }
        let bookings = HomePage.QuotaProgress(
            metric: "Firm bookings", period: quarter.key, quota: quota.map { $0.display(currency: currency) } ?? "no quota",
            credited: credited.display(currency: currency), percent: ReportPageText.percent(ratio),
            bar: min(Decimal(100), max(0, (ratio ?? 0) * 100)).rounded(scale: 1).plainText)

        let forecastRows = try await reports.forecast(db, period: quarter, root: nil)
        let forecastTops = forecastRows.filter { $0.managerId == nil && !$0.rollup }.compactMap {
            TeamHome.line(of: $0.userId, in: forecastRows, rollup: \.rollup, person: \.userId)
        }
        func sum(_ path: KeyPath<ForecastRow, Money>) -> Money { Money(forecastTops.reduce(Decimal(0)) { $0 + $1[keyPath: path].amount }) }
        let gaps = forecastTops.compactMap(\.gap)
        var firm = forecastTops.first
        firm?.closed = sum(\.closed)
        firm?.commit = sum(\.commit)
        firm?.bestCase = sum(\.bestCase)
        firm?.pipeline = sum(\.pipeline)
        firm?.weighted = sum(\.weighted)
        firm?.gap = gaps.isEmpty ? nil : Money(gaps.reduce(Decimal(0)) { $0 + $1.amount })
        firm?.coverage = nil

        let stages = try await reports.pipeline(db, period: quarter, caller: caller)
        let open = stages.reduce(Decimal(0)) { $0 + $1.amount.amount }
        let weighted = stages.reduce(Decimal(0)) { $0 + $1.weighted.amount }

        let setup = try await setup(db, caller: caller, services: services, quarter: quarter)
        return FirmHome(period: quarter.key, bookings: [bookings], forecast: firm.map { [TeamHome.Figures($0, currency: currency)] } ?? [],
                        openDeals: stages.reduce(0) { $0 + $1.count }, openPipeline: open.display(currency: currency),
                        weightedPipeline: weighted.display(currency: currency), setup: setup, hasSetup: !setup.isEmpty)
    }

    /// What an admin still has to configure before the pages and reports mean anything.
    static func setup(_ db: Connection, caller: Caller, services: AppServices, quarter: FiscalPeriod) async throws -> [Setup] {
        var result: [Setup] = []
        if try await services.reports.quotaTargets(db, periodKey: quarter.key, metric: .totalBookings).isEmpty {
            result.append(Setup(what: "No bookings quotas are set for \(quarter.key).", href: Site.adminQuotas(), label: "Set quotas"))
        }
        let stages = try await services.stages.all(db)
        if !stages.contains(where: { !$0.isWon && !$0.isLost }) {
            result.append(Setup(what: "The pipeline has no open stages.", href: Site.adminStages(), label: "Add stages"))
        }
        if try await services.catalog.list(db, page: try PageRequest(limit: 1), includeArchived: false).items.isEmpty {
            result.append(Setup(what: "The catalog has no typical projects to propose.", href: Site.adminTypicalProjects(), label: "Add typical projects"))
        }
        if try await LostReasonStore().active(db).isEmpty {
            result.append(Setup(what: "There are no lost reasons to choose from.", href: Site.adminLostReasons(), label: "Add lost reasons"))
        }
        let people = try await services.users.list(db, visibleTo: caller, filter: .init(active: true), page: try PageRequest(limit: 1000)).items
        let unskilled = people.filter { ($0.roles.contains(.consultant) || $0.roles.contains(.projectManager)) && $0.skills.isEmpty }
        if !unskilled.isEmpty {
            let names = unskilled.prefix(3).map(\.name).joined(separator: ", ") + (unskilled.count > 3 ? " and \(unskilled.count - 3) more" : "")
            result.append(Setup(what: "\(unskilled.count) of the people who deliver have no skills: \(names).", href: Site.adminPeople(), label: "Add skills"))
        }
        let onCalendars = try await HolidayCalendarStore().list(db).reduce(0) { $0 + $1.people }
        if onCalendars < people.count {
            result.append(Setup(what: "\(people.count - onCalendars) people work by no holiday calendar.", href: Site.adminHolidays(), label: "Assign calendars"))
        }
        return result
    }
}
