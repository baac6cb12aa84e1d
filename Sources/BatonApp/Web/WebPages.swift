import BatonCore
import Dates
import Foundation
import Postgres

/// Home: what needs the person today.
struct HomePage {
    /// An open task, completed from home with one click (its id and the version shown).
    struct Task { var id: Int64; var version: Int; var subject: String; var due: String; var accountId: Int64; var late: Bool }
    struct Review { var id: Int64; var number: Int; var opportunity: String }
    struct PhaseDue { var project: String; var projectId: Int64; var phase: String; var due: String; var late: Bool }
    var tasks: [Task]
    /// How many of the caller's open tasks are past due.
    var overdueTasks = 0
    var hasOverdueTasks = false
    var reviews: [Review]
    var phases: [PhaseDue]
    var hasTasks: Bool
    var hasReviews: Bool
    var hasPhases: Bool
    /// This quarter's quotas the person carries (total bookings, completed work), with attainment.
    var quotas: [QuotaProgress] = []
    var hasQuotas = false
    /// A project manager's latest bonus statement, when there is one.
    var bonus: [BonusProgress] = []
    /// Assignments on the caller's projects that overlap approved time off (issue 18).
    var timeOffCollisions: [WorkingCalendarStore.Collision] = []
    var hasTimeOffCollisions = false
    /// Time-off requests waiting for the caller's decision.
    var timeOffWaiting = false
    /// The latest unread notifications (issue 20).
    var notifications = HomeNotifications(items: [], has: false)

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
        let tasks = try await services.activities.openTasks(db, ownerID: caller.id, limit: 20).map { task in
            Task(id: task.id, version: task.version, subject: task.subject, due: task.dueAt?.calendarDate.description ?? "no date", accountId: task.accountID,
                 late: task.dueAt.map { $0 < now } ?? false)
        }
        let reviews = try await services.proposals.awaitingReview(db, reviewerID: caller.id).map {
            Review(id: $0.id, number: $0.number, opportunity: $0.opportunityName)
        }
        let phases = try await services.projects.phasesDue(db, managerID: caller.id, until: today.adding(days: 14), limit: 20).map {
            PhaseDue(project: $0.projectName, projectId: $0.projectID, phase: $0.phase, due: $0.dueDate.description, late: $0.dueDate < today)
        }
        var page = HomePage(tasks: tasks, reviews: reviews, phases: phases, hasTasks: !tasks.isEmpty, hasReviews: !reviews.isEmpty,
                            hasPhases: !phases.isEmpty)
        page.overdueTasks = tasks.filter(\.late).count
        page.hasOverdueTasks = page.overdueTasks > 0
        page.quotas = try await quotaProgress(db, caller: caller, services: services, today: today)
        page.hasQuotas = !page.quotas.isEmpty
        if caller.has(.projectManager) { page.bonus = try await bonusProgress(db, caller: caller, services: services) }
        page.timeOffCollisions = try await WorkingCalendarStore().collisions(db, managerID: caller.id)
        page.hasTimeOffCollisions = !page.timeOffCollisions.isEmpty
        page.timeOffWaiting = try await TimeOffStore().waitingCount(db, caller: caller) > 0
        page.notifications = try await HomeNotifications.build(db, caller: caller)
        return page
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
            guard let mine = rows.first(where: { $0.userId == caller.id && !$0.rollup }), let quota = mine.quota else { continue }
            let ratio = mine.attainment?.value ?? 0
            result.append(QuotaProgress(
                metric: words, period: period.key, quota: quota.amount.display(currency: currency),
                credited: mine.credited.amount.display(currency: currency), percent: ReportPageText.percent(mine.attainment?.value),
                bar: min(Decimal(100), max(0, ratio * 100)).rounded(scale: 1).plainText))
        }
        return result
    }

    /// "My bonus progress": the project manager's latest statement, credited and payout.
    static func bonusProgress(_ db: Connection, caller: Caller, services: AppServices) async throws -> [BonusProgress] {
        guard let runID = try await services.bonus.latestStatementRunID(db, userID: caller.id),
            let statement = try await services.bonus.statement(db, runID: runID, userID: caller.id)
        else { return [] }
        let currency = services.configuration.currency
        let c = statement.computation
        let locked = statement.runStatus == "approved"
        return [BonusProgress(runId: runID, userId: caller.id, period: statement.period, status: locked ? "approved and locked" : statement.runStatus,
                              locked: locked, credited: c.credited.amount.display(currency: currency),
                              quota: c.quota.map { $0.amount.display(currency: currency) } ?? "–",
                              attainment: ReportPageText.percent(c.attainment?.value), payout: c.payout.amount.display(currency: currency))]
    }
}

// The account's record page is in AccountPage.swift.

extension PageRequest {
    /// A first page of `limit` rows, for pages that show a fixed number.
    init(limit: Int) throws {
        self.limit = limit
        self.cursor = nil
    }
}
