import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// The run page (`/bonus-runs/{run}`): every statement the reader may see with its
/// approval, recompute, adjustments with a reason, a per-statement approve, the lock
/// behind a confirmation that names the period, the people and the total, and the CSV.
/// The statement page's approve and what-if live here too. Every change goes through
/// `BonusActions`, so the page refuses what the API refuses, with the same words.
extension WebRoutes {

    @Sendable func bonusRunPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let runID = try request.id(context, "run")
        let body = try await services.pool.withConnection {
            try await BonusRunPage.build($0, caller: caller, services: services, runID: runID, message: Flash.message(request))
        }
        let page = renderer.page("bonus-run", Page(frame: frame(caller, sessionToken: token, title: "Bonus run \(body.period)", area: "bonus"),
                                                   body: body))
        return Flash.shown(page, for: request)
    }

    @Sendable func recomputeBonusRun(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, _ in
            let runID = try request.id(context, "run")
            _ = try await services.pool.withTransaction { try await bonusActions.recompute($0, caller: caller, id: runID) }
            return Flash.redirect(Site.bonusRun(runID), message: "Recomputed from today's data.")
        }
    }

    /// An adjustment with its reason; a refused one comes back to the run page in the API's words.
    @Sendable func adjustBonusStatement(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, values in
            let runID = try request.id(context, "run")
            var reader = FormReader(values)
            let amount = reader.money("amount", "Amount")
            let userID = values["userId"].flatMap { Int64($0) }
            if userID == nil { reader.problems.add("userId", "Choose whose statement to adjust") }
            do {
                try reader.problems.throwIfInvalid()
                let input = BonusAdjustmentInput(userId: userID ?? 0, amount: amount ?? Money(0), reason: values["reason"] ?? "")
                _ = try await services.pool.withTransaction { try await bonusActions.addAdjustment($0, caller: caller, runID: runID, input: input) }
                return Flash.redirect(Site.bonusRun(runID), message: "Adjustment added: \(input.amount.amount.moneyText), \(input.reason.trimmed)")
            } catch {
                guard let failure = FormFailure(error), failure.status == .unprocessableContent else { throw error }
                let words = Self.refusalWords(failure)
                return Flash.redirect(Site.bonusRun(runID), message: "The adjustment was not added: \(words.joined(separator: "; "))")
            }
        }
    }

    @Sendable func bonusRunCSV(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, _) = try signedIn(request, context) else { return toSignIn(request) }
        let runID = try request.id(context, "run")
        let csv = try await services.pool.withConnection { try await bonusActions.statementsCSV($0, caller: caller, runID: runID) }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"bonus-run-\(runID).csv\""],
                        body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    /// One statement's approval: early only with the box ticked, as `closeEarly` in the API.
    @Sendable func approveBonusStatement(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, values in
            let runID = try request.id(context, "run")
            let userID = try request.id(context, "user")
            let run = try await services.pool.withTransaction {
                try await bonusActions.approveStatement($0, caller: caller, runID: runID, userID: userID, closeEarly: values["closeEarly"] != nil)
            }
            let name = run.statements.first { $0.userId == userID }?.name ?? "The statement"
            let locked = run.status == "approved" ? " Every statement is approved: the run is locked." : ""
            return Flash.redirect(Site.bonusRun(runID), message: "\(name) approved.\(locked)")
        }
    }

    /// "If this phase finishes on time…": the statement page again, with the what-if's payout beside the real one.
    @Sendable func bonusWhatIf(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, values in
            let runID = try request.id(context, "run")
            let userID = try request.id(context, "user")
            var completions: [BonusWhatIfInput.Completion] = []
            for (key, value) in values where key.hasPrefix("phase-") {
                guard let phaseID = Int64(key.dropFirst("phase-".count)), let day = CalendarDate(value.trimmed) else { continue }
                completions.append(.init(phaseId: phaseID, completedOn: day))
            }
            return try await bonusStatementPage(request, caller, token, runID: runID, userID: userID,
                                                whatIf: completions.sorted { $0.phaseId < $1.phaseId }, typed: values)
        }
    }

    /// The statement page, with a what-if answered when `whatIf` is given.
    func bonusStatementPage(_ request: Request, _ caller: Caller, _ token: String, runID: Int64, userID: Int64,
                            whatIf: [BonusWhatIfInput.Completion]? = nil, typed: [String: String] = [:]) async throws -> Response {
        let currency = services.configuration.currency
        let page = try await services.pool.withConnection { db -> StatementPage in
            let statement = try await bonusActions.statement(db, caller: caller, runID: runID, userID: userID)
            let run = try await bonusActions.run(db, caller: caller, id: runID)
            let plan = try await services.bonus.plan(db, id: run.planId)
            let locked = statement.runStatus == "approved"
            let summary = run.statements.first { $0.userId == userID }
            let canApprove = locked || summary?.approved == true ? false : try await bonusActions.mayApprove(db, caller, userIDs: [userID])
            let c = statement.computation
            var page = StatementPage(statement: statement, locked: locked, canApprove: canApprove, lines: c.lines, explanation: c.explanation,
                                     payout: c.payout.amount.display(currency: currency), hasAdjustments: !c.adjustments.isEmpty)
            page.planName = plan?.name ?? "Plan \(run.planId)"
            page.planLink = caller.isAdmin ? Site.adminBonusPlan(run.planId) : nil
            page.runLink = Site.bonusRun(runID)
            page.metric = BonusRunPage.metricText(plan?.metric ?? .completedWork)
            page.isSales = (plan?.metric ?? .completedWork) != .completedWork
            if let plan {
                let override = plan.overrides.first { $0.userId == userID }
                page.target = c.targetBonus.amount.display(currency: currency)
                page.override = override.map { _ in "Personal target, instead of the plan's \(plan.targetBonus.amount.display(currency: currency))" }
            }
            page.quota = c.quota.map { $0.amount.display(currency: currency) } ?? "none"
            page.credited = c.credited.amount.display(currency: currency)
            page.attainment = c.attainment?.description ?? "–"
            page.tiers = c.tiers.map { t in
                StatementPage.TierLine(band: "\(t.from)–\(t.to?.description ?? "and above")", rate: t.rate.description,
                                       amount: t.amount.amount.display(currency: currency))
            }
            page.cap = c.capAmount.map { "\($0.amount.display(currency: currency))\(c.capApplied ? ", applied" : ", not reached")" } ?? "no cap"
            page.adjustments = c.adjustments.map { a in
                StatementPage.AdjustmentLine(amount: a.amount.amount.display(currency: currency), reason: a.reason, author: a.author ?? "Baton")
            }
            page.approvedBy = summary?.approvedBy != nil ? "Approved" : nil
            // What-if: the person's open phases, each with a day to try (its due date unless typed).
            if !locked, !page.isSales, let plan {
                let open = try await services.bonus.openPhases(db, userID: userID).values.sorted { ($0.due, $0.phaseId) < ($1.due, $1.phaseId) }
                page.openPhases = open.map { p in
                    StatementPage.OpenPhase(id: p.phaseId, name: "\(p.phase) (\(p.projectName))", value: p.value.display(currency: currency),
                                            due: p.due.description, day: typed["phase-\(p.phaseId)"] ?? p.due.description)
                }
                page.hasOpenPhases = !page.openPhases.isEmpty
                if let whatIf {
                    let input = BonusWhatIfInput(planId: plan.id, period: run.period, userId: userID, completions: whatIf)
                    do {
                        let answer = try await bonusActions.whatIf(db, caller: caller, input: input)
                        page.whatIf = StatementPage.WhatIf(payout: answer.payout.amount.display(currency: currency),
                                                           difference: (answer.payout.amount - c.payout.amount).display(currency: currency),
                                                           explanation: answer.explanation)
                    } catch {
                        guard let failure = FormFailure(error) else { throw error }
                        page.whatIfError = Self.refusalWords(failure).joined(separator: "; ")
                    }
                }
            }
            return page
        }
        return renderer.page("statement", Page(frame: frame(caller, sessionToken: token, title: "Bonus statement", area: "bonus"), body: page))
    }
}

/// `/bonus-runs/{run}`.
struct BonusRunPage {
    struct Person {
        var userId: Int64
        var name, payout: String
        var approved, canApprove: Bool
        /// The statement page, and where its Approve posts.
        var link, approveAction: String
    }
    var runId: Int64
    var period, planName, metric: String
    var locked, closedEarly: Bool
    var people: [Person]
    var total: String
    var canRecompute, canApproveAny, periodOpen: Bool
    var periodEnd: String
    /// The people whose statements the reader may adjust.
    var adjustable: [Person]
    var canAdjust: Bool
    var csv: String
    var message: String?

    static func metricText(_ metric: BonusMetric) -> String {
        switch metric {
        case .completedWork: "completed work"
        case .totalBookings: "total bookings"
        case .newBusiness: "new business bookings"
        case .expansion: "expansion bookings"
        }
    }

    static func build(_ db: Connection, caller: Caller, services: AppServices, runID: Int64, message: String?) async throws -> BonusRunPage {
        let actions = BonusActions(services: services)
        let run = try await actions.run(db, caller: caller, id: runID)
        let plan = try await services.bonus.plan(db, id: run.planId)
        let currency = services.configuration.currency
        let locked = run.status == "approved"
        var people: [Person] = []
        for s in run.statements where try await actions.canSee(db, caller, userID: s.userId) {
            let may = !locked && caller.has(.manager) || !locked && caller.isAdmin
            let canApprove = may && !s.approved ? try await actions.mayApprove(db, caller, userIDs: [s.userId]) : false
            people.append(Person(userId: s.userId, name: s.name, payout: s.payout.amount.display(currency: currency), approved: s.approved,
                                 canApprove: canApprove, link: Site.bonusStatement(runID, s.userId),
                                 approveAction: Site.bonusStatementApprove(runID, s.userId)))
        }
        var adjustable: [Person] = []
        if !locked, caller.isAdmin || caller.has(.manager) {
            for p in people where try await actions.mayApprove(db, caller, userIDs: [p.userId]) { adjustable.append(p) }
        }
        let period = try await services.quotas.period(db, key: run.period)
        let shown = Set(people.map(\.userId))
        let total = run.statements.filter { shown.contains($0.userId) }.reduce(Decimal(0)) { $0 + $1.payout.amount }
        return BonusRunPage(
            runId: runID, period: run.period, planName: plan?.name ?? "Plan \(run.planId)", metric: metricText(plan?.metric ?? .completedWork),
            locked: locked, closedEarly: run.closedEarly, people: people, total: total.display(currency: currency),
            canRecompute: !locked && (caller.isAdmin || caller.has(.manager)),
            canApproveAny: !locked && (caller.isAdmin || !adjustable.isEmpty),
            periodOpen: DeliveryActions.today < period.endExclusive, periodEnd: period.endExclusive.adding(days: -1).description,
            adjustable: adjustable, canAdjust: !adjustable.isEmpty, csv: Site.bonusRunCSV(runID), message: message)
    }
}

/// The lock's confirmation: the period, the people, the total, and whether the run locks.
struct BonusApprovalConfirmation {
    struct Person { var name, payout: String }
    var runId: Int64
    var period: String
    var people: [Person]
    var count: Int
    var total: String
    /// Whether this approval locks the run, and whether its period is still open.
    var locks, periodOpen: Bool
    /// The last day of the period; where the confirmed approval posts; the way back.
    var periodEnd, action, back: String
}
