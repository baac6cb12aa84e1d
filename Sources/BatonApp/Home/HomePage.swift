import BatonCore
import Dates
import Foundation
import Postgres

/// Home: what needs the person today. Everyone sees their tasks and notifications; a
/// manager's home leads with their team's quarter (`TeamHome`), an admin's with the
/// firm's figures and what is not configured yet (`FirmHome`).
struct HomePage {
    struct Review { var id: Int64; var number: Int; var opportunity: String }
    struct PhaseDue { var project: String; var projectId: Int64; var phase: String; var due: String; var late: Bool }
    /// The caller's open tasks, each completed from home with one click.
    var tasks: [TaskRow]
    /// How many of the caller's open tasks are past due (the navigation's badge).
    var overdueTasks = 0
    var hasOverdueTasks = false
    var reviews: [Review]
    var phases: [PhaseDue]
    var hasTasks, hasReviews, hasPhases: Bool
    /// This quarter's quotas the person carries (total bookings, completed work), with attainment.
    var quotas: [QuotaProgress] = []
    var hasQuotas = false
    /// A project manager's latest bonus statement, when there is one.
    var bonus: [BonusProgress] = []
    /// Assignments on the caller's projects that overlap approved time off (issue 18).
    var timeOffCollisions: [WorkingCalendarStore.Collision] = []
    var hasTimeOffCollisions = false
    /// Time-off requests, and entries of submitted timesheets, waiting for the caller's decision.
    var timeOffWaiting = false
    var timesheetsWaiting = 0
    var hasTimesheetsWaiting = false
    /// The latest unread notifications (issue 20).
    var notifications = HomeNotifications(items: [], has: false)
    /// A manager's team card, an admin's firm card: at most one of each (a list, so
    /// that the template's section is empty rather than looked up elsewhere).
    var team: [TeamHome] = []
    var firm: [FirmHome] = []
    /// "My quota" is the first card only for people who sell or deliver themselves.
    var ownCardsFirst = true

    struct QuotaProgress {
        var metric, period, quota, credited: String
        /// Attainment as a percentage to one decimal, and the bar's value (0–100).
        var percent, bar: String
    }

    struct BonusProgress {
        var runId, userId: Int64
        var period, status: String
        var locked: Bool
        var credited, quota, attainment, payout: String
    }

    static func build(_ db: Connection, caller: Caller, services: AppServices) async throws -> HomePage {
        let now = Timestamp.now
        let today = now.calendarDate
        let tasks = try await TaskStore().open(db, caller: caller, view: .mine, now: now, limit: 20).map { TaskRow($0, now: now) }
        let reviews = try await services.proposals.awaitingReview(db, reviewerID: caller.id).map {
            Review(id: $0.id, number: $0.number, opportunity: $0.opportunityName)
        }
        let phases = try await services.projects.phasesDue(db, managerID: caller.id, until: today.adding(days: 14), limit: 20).map {
            phaseDue($0, today: today)
        }
        var page = HomePage(tasks: tasks, reviews: reviews, phases: phases, hasTasks: !tasks.isEmpty, hasReviews: !reviews.isEmpty,
                            hasPhases: !phases.isEmpty)
        page.overdueTasks = OverdueTasks.count ?? tasks.filter(\.late).count
        page.hasOverdueTasks = page.overdueTasks > 0
        page.quotas = try await quotaProgress(db, caller: caller, services: services, today: today)
        page.hasQuotas = !page.quotas.isEmpty
        if caller.has(.projectManager) { page.bonus = try await bonusProgress(db, caller: caller, services: services) }
        page.timeOffCollisions = try await WorkingCalendarStore().collisions(db, managerID: caller.id)
        page.hasTimeOffCollisions = !page.timeOffCollisions.isEmpty
        page.timeOffWaiting = try await TimeOffStore().waitingCount(db, caller: caller) > 0
        page.notifications = try await HomeNotifications.build(db, caller: caller)
        if caller.isAdmin {
            page.firm = [try await FirmHome.build(db, caller: caller, services: services, today: today)]
        } else if caller.has(.manager) {
            page.team = [try await TeamHome.build(db, caller: caller, services: services, today: today)]
        }
        if caller.isAdmin || caller.has(.manager) {
            page.timesheetsWaiting = try await TimeStore().waitingCount(db, caller: caller)
            page.hasTimesheetsWaiting = page.timesheetsWaiting > 0
            page.ownCardsFirst = false
        }
        return page
    }

    static func phaseDue(_ p: ProjectStore.PhaseDue, today: CalendarDate) -> PhaseDue {
        PhaseDue(project: p.projectName, projectId: p.projectID, phase: p.phase, due: Formatting.date(p.dueDate), late: p.dueDate < today)
    }

    /// "My quota": this quarter's attainment on total bookings and, for a project
    /// manager, completed work, for each the person has a quota on; the same row
    /// `/api/v1/reports/attainment` gives for them.
    static func quotaProgress(_ db: Connection, caller: Caller, services: AppServices, today: CalendarDate) async throws -> [QuotaProgress] {
        let currency = services.configuration.currency
        let period = services.quotas.calendar.period(containing: today, kind: .quarter)
        var metrics: [(QuotaMetric, String)] = [(.totalBookings, "Total bookings")]
        if caller.has(.projectManager) { metrics.append((.completedWork, "Completed work")) }
        var result: [QuotaProgress] = []
        for (metric, words) in metrics {
            guard try await services.quotas.target(db, userID: caller.id, periodKey: period.key, metric: metric) != nil else { continue }
            let rows = try await services.reports.attainment(db, period: period, metric: metric, root: caller.id)
            guard let mine = rows.first(where: { $0.userId == caller.id && !$0.rollup }), mine.quota != nil else { continue }
            result.append(progress(mine, metric: words, period: period.key, currency: currency))
        }
        return result
    }

    /// One attainment row as a gauge: quota, credited, the percentage and the bar's value.
    static func progress(_ row: AttainmentRow, metric: String, period: String, currency: String) -> QuotaProgress {
        let ratio = row.attainment?.value ?? 0
        return QuotaProgress(
            metric: metric, period: period, quota: row.quota.map { $0.amount.display(currency: currency) } ?? "no quota",
            credited: row.credited.amount.display(currency: currency), percent: ReportPageText.percent(row.attainment?.value),
            bar: min(Decimal(100), max(0, ratio * 100)).rounded(scale: 1).plainText)
    }

    /// "My bonus progress": the project manager's latest statement, credited and payout.
    static func bonusProgress(_ db: Connection, caller: Caller, services: AppServices) async throws -> [BonusProgress] {
        guard let runID = try await services.bonus.latestStatementRunID(db, userID: caller.id),
            let statement = try await services.bonus.statement(db, runID: runID, userID: caller.id)
        else { return [] }
        let currency = services.configuration.currency
        let c = statement.computation
        let locked = statement.runStatus == "approved"
        return [BonusProgress(runId: runID, userId: caller.id, period: statement.period, status: locked ? "Approved and locked" : Formatting.label(statement.runStatus),
                              locked: locked, credited: c.credited.amount.display(currency: currency),
                              quota: c.quota.map { $0.amount.display(currency: currency) } ?? "–",
                              attainment: ReportPageText.percent(c.attainment?.value), payout: c.payout.amount.display(currency: currency))]
    }
}
