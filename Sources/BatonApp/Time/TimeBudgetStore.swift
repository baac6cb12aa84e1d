import BatonCore
import Dates
import Foundation
import Postgres

/// A project's budget against its actuals, per phase and in total. Cost, margin and
/// margin % are shown to the project's manager, managers and admins only (`showsCost`);
/// others see hours.
struct ProjectBudget: Encodable, Sendable {
    struct Line: Encodable, Sendable {
        /// null: time booked on the project outside its phases; the total's line has no id either.
        var phaseId: Int64?
        var name: String
        /// `actualHours`: approved; `waitingHours`: recorded and not yet approved.
        var budgetHours, actualHours, waitingHours: DecimalString
        /// The manager's estimate of the hours left; else what the budget leaves (never below 0).
        var estimateToComplete: DecimalString
        var estimateSet: Bool
        /// Actual + estimate to complete.
        var forecastHours: DecimalString
        /// Actual hours as a percentage of budget hours.
        var hoursUsedPercent: DecimalString?
        var overBudget, trendingOver: Bool
        var value: Money
        var budgetCost, actualCost, budgetMargin, margin: Money?
        var marginPercent: DecimalString?
        /// Approved hours of people with no cost rate on their day (counted at 0).
        var unratedHours: DecimalString?
    }

    struct Item: Encodable, Sendable {
        var description: String
        var price: Money
        var cost: Money?
    }

    struct Week: Encodable, Sendable {
        var week: CalendarDate
        var hours, cumulative: DecimalString
    }

    var projectId: Int64
    var projectName: String
    var showsCost: Bool
    var phases: [Line]
    var total: Line
    var passThrough: [Item]
    /// Approved hours per week, with the running total: the burn chart.
    var burn: [Week]
}

struct PhaseEstimateInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case estimateToComplete }
    var estimateToComplete: DecimalString?
}

/// Budgets and actuals: their SQL.
struct TimeBudgetStore: Sendable {
    struct Figures: Sendable {
        var phaseID: Int64?
        var name: String
        var value: Decimal
        var estimate: Decimal?
        var budgetHours: Decimal = 0
        var budgetCost: Decimal = 0
        var actualHours: Decimal = 0
        var actualCost: Decimal = 0
        var unrated: Decimal = 0
        var waiting: Decimal = 0
    }

    /// Each phase's figures in order, then a line for time outside the phases if any.
    func figures(_ db: Connection, projectID: Int64) async throws -> [Figures] {
        var phases = try await db.query("""
            SELECT id, name, value, estimate_to_complete FROM project_phases WHERE project_id = \(projectID) ORDER BY position
            """).map { row in
            Figures(phaseID: try row.decode("id"), name: try row.decode("name"), value: try row.decode("value"),
                    estimate: try row.decode("estimate_to_complete"))
        }
        for row in try await db.query("SELECT * FROM project_time_actuals(\(projectID))") {
            let phaseID: Int64? = try row.decode("phase_id")
            let index: Int
            if let i = phases.firstIndex(where: { $0.phaseID == phaseID && phaseID != nil }) {
                index = i
            } else {
                phases.append(Figures(phaseID: nil, name: "Outside the phases", value: 0, estimate: nil))
                index = phases.count - 1
            }
            phases[index].budgetHours = try row.decode("budget_hours")
            phases[index].budgetCost = try row.decode("budget_cost")
            phases[index].actualHours = try row.decode("actual_hours")
            phases[index].actualCost = try row.decode("actual_cost")
            phases[index].unrated = try row.decode("unrated_hours")
            phases[index].waiting = try row.decode("waiting_hours")
        }
        return phases
    }

    func passThrough(_ db: Connection, projectID: Int64) async throws -> [ProjectBudget.Item] {
        try await db.query("""
            SELECT description, amount, cost FROM project_budget_items WHERE project_id = \(projectID) ORDER BY position
            """).map { row in
            let cost: Decimal? = try row.decode("cost")
            return ProjectBudget.Item(description: try row.decode("description"), price: Money(try row.decode("amount")),
                                      cost: cost.map { Money($0) })
        }
    }

    func burn(_ db: Connection, projectID: Int64) async throws -> [ProjectBudget.Week] {
        var running = Decimal(0)
        return try await db.query("""
            SELECT date_trunc('week', day)::date AS week, sum(hours) AS hours FROM time_entries
            WHERE project_id = \(projectID) AND status = 'approved' GROUP BY 1 ORDER BY 1
            """).map { row in
            let hours: Decimal = try row.decode("hours")
            running += hours
            return ProjectBudget.Week(week: try row.decode("week"), hours: DecimalString(hours), cumulative: DecimalString(running))
        }
    }

    func setEstimate(_ db: Connection, phaseID: Int64, estimate: Decimal?, by actorID: Int64) async throws {
        let before: Decimal? = try await db.query("SELECT estimate_to_complete FROM project_phases WHERE id = \(phaseID)")
            .first?.decode("estimate_to_complete")
        try await db.query("UPDATE project_phases SET estimate_to_complete = \(estimate) WHERE id = \(phaseID)")
        try await AuditTrail.record(db, actorID: actorID, entity: "project_phase", entityID: phaseID, action: .update,
                                    before: .of(["estimateToComplete": before.map { DecimalString($0) }]),
                                    after: .of(["estimateToComplete": estimate.map { DecimalString($0) }]))
    }
}

/// Budget against actuals for a project, and the manager's estimate to complete.
struct TimeBudgetActions {
    let services: AppServices
    var store: TimeBudgetStore { TimeBudgetStore() }

    func budget(_ db: Connection, caller: Caller, projectID: Int64) async throws -> ProjectBudget {
        guard let project = try await services.projects.find(db, id: projectID, visibleTo: caller) else { throw APIError.notFound("project") }
        let showsCost = caller.isAdmin || caller.has(.manager) || project.projectManagerId == caller.id
        let figures = try await store.figures(db, projectID: projectID)
        let lines = figures.map { Self.line($0, showsCost: showsCost) }
        var sum = TimeBudgetStore.Figures(phaseID: nil, name: "Total", value: 0, estimate: nil)
        var estimate = Decimal(0)
        for f in figures {
            sum.value += f.value
            sum.budgetHours += f.budgetHours
            sum.budgetCost += f.budgetCost
            sum.actualHours += f.actualHours
            sum.actualCost += f.actualCost
            sum.unrated += f.unrated
            sum.waiting += f.waiting
            estimate += Self.estimate(f)
        }
        sum.estimate = estimate
        var total = Self.line(sum, showsCost: showsCost)
        total.estimateSet = figures.contains { $0.estimate != nil }
        var items = try await store.passThrough(db, projectID: projectID)
        if !showsCost { items = items.map { ProjectBudget.Item(description: $0.description, price: $0.price, cost: nil) } }
        return ProjectBudget(projectId: projectID, projectName: project.name, showsCost: showsCost, phases: lines, total: total,
                             passThrough: items, burn: try await store.burn(db, projectID: projectID))
    }

    static func estimate(_ f: TimeBudgetStore.Figures) -> Decimal {
        f.estimate ?? max(f.budgetHours - f.actualHours, 0)
    }

    static func line(_ f: TimeBudgetStore.Figures, showsCost: Bool) -> ProjectBudget.Line {
        let etc = estimate(f)
        let forecast = f.actualHours + etc
        let figures = ProfitFigures(hours: f.actualHours, cost: f.actualCost, value: f.value)
        return ProjectBudget.Line(
            phaseId: f.phaseID, name: f.name, budgetHours: DecimalString(f.budgetHours), actualHours: DecimalString(f.actualHours),
            waitingHours: DecimalString(f.waiting), estimateToComplete: DecimalString(etc), estimateSet: f.estimate != nil,
            forecastHours: DecimalString(forecast),
            hoursUsedPercent: f.budgetHours > 0 ? DecimalString(Decimal.roundedQuotient(f.actualHours * 100, f.budgetHours, scale: 1)) : nil,
            overBudget: f.actualHours > f.budgetHours,
            trendingOver: forecast > f.budgetHours,
            value: Money(f.value),
            budgetCost: showsCost ? Money(f.budgetCost.rounded(scale: 2)) : nil,
            actualCost: showsCost ? Money(f.actualCost.rounded(scale: 2)) : nil,
            budgetMargin: showsCost ? Money((f.value - f.budgetCost).rounded(scale: 2)) : nil,
            margin: showsCost ? Money(figures.margin.rounded(scale: 2)) : nil,
            marginPercent: showsCost ? figures.marginPercent.map { DecimalString($0) } : nil,
            unratedHours: showsCost ? DecimalString(f.unrated) : nil)
    }

    /// The project manager (or a manager, or an admin) sets a phase's estimate to complete; nil clears it.
    func setEstimate(_ db: Connection, caller: Caller, projectID: Int64, phaseID: Int64, input: PhaseEstimateInput) async throws -> ProjectBudget {
        guard let project = try await services.projects.find(db, id: projectID, visibleTo: caller) else { throw APIError.notFound("project") }
        guard caller.isAdmin || project.projectManagerId == caller.id else {
            throw APIError.forbidden("Only the project's manager or an admin updates its estimate to complete.")
        }
        let phase: Bool = try await db.query("""
            SELECT EXISTS (SELECT 1 FROM project_phases WHERE id = \(phaseID) AND project_id = \(projectID)) AS k
            """).first?.decode("k") ?? false
        guard phase else { throw APIError.notFound("phase") }
        if let value = input.estimateToComplete?.value {
            var v = Validator()
            v.check(value >= 0 && value < 100_000_000, "estimateToComplete", "The estimate to complete is 0 or more hours")
            v.check(value.rounded(scale: 2) == value, "estimateToComplete", "Hours are given to the hundredth")
            try v.throwIfInvalid()
        }
        try await store.setEstimate(db, phaseID: phaseID, estimate: input.estimateToComplete?.value, by: caller.id)
        return try await budget(db, caller: caller, projectID: projectID)
    }
}
