import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// The bonus pages: the runs (`/bonus`), one person's statement with every line, the
/// tier arithmetic spelled out and the payout at the bottom, Approve and lock for a
/// manager; and the admin's bonus plans (`/admin/bonus-plans`). Every change goes
/// through `BonusActions`, so a page refuses what the API refuses, in the same words
/// and with the same status.
extension WebRoutes {
    static let tierRowLimit = BonusPlanRules.maxTiers + 2

    var bonusActions: BonusActions { BonusActions(services: services) }


    @Sendable func bonusRunsPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        var body = try await services.pool.withConnection { try await BonusRunsPage.build($0, caller: caller, services: services) }
        body.message = Flash.message(request)
        return Flash.shown(renderer.page("bonus", Page(frame: frame(caller, sessionToken: token, title: "Bonus", area: "bonus"), body: body)),
                           for: request)
    }

    /// A new draft run of a plan for a period, through the API's action; a refusal
    /// (a run that exists, an unknown period) comes back to /bonus in the API's words.
    @Sendable func computeBonusRun(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, values in
            do {
                guard let planID = values["planId"].flatMap({ Int64($0) }) else { throw ValidationFailure("planId", "Choose a plan") }
                let input = BonusRunInput(planId: planID, period: values["period"]?.trimmed ?? "")
                let run = try await services.pool.withTransaction { try await bonusActions.computeRun($0, caller: caller, input: input) }
                return Flash.redirect(Site.bonusRun(run.id), message: "Computed: \(run.statements.count) statements for \(run.period).")
            } catch {
                guard let failure = FormFailure(error), failure.status != .forbidden else { throw error }
                return Flash.redirect(Site.bonus(), message: "No run computed: \(Self.refusalWords(failure).joined(separator: "; "))")
            }
        }
    }

    @Sendable func bonusStatementPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        return try await bonusStatementPage(request, caller, token, runID: try request.id(context, "run"), userID: try request.id(context, "user"))
    }

    /// Approve and lock, in two steps: without `confirm` the page asks, naming the period,
    /// the people whose statements the caller approves and their total (and, before the
    /// period's end, a box to close it early); with it, the API's action. A locked run is
    /// 409 and one the caller may not approve is 403 at either step, here as there.
    @Sendable func approveBonusRun(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, values in
            let runID = try request.id(context, "run")
            guard values["confirm"] == "yes" else {
                let preview = try await services.pool.withConnection { try await bonusActions.approvalPreview($0, caller: caller, id: runID) }
                let currency = services.configuration.currency
                let total = preview.approves.reduce(Decimal(0)) { $0 + $1.payout.amount }
                let body = BonusApprovalConfirmation(
                    runId: runID, period: preview.run.period,
                    people: preview.approves.map { .init(name: $0.name, payout: $0.payout.amount.display(currency: currency)) },
                    count: preview.approves.count, total: total.display(currency: currency), locks: preview.locks,
                    periodOpen: preview.periodOpen, periodEnd: preview.periodEnd.description, action: Site.bonusApprove(runID),
                    back: Site.bonusRun(runID))
                return renderer.page("bonus-confirm", Page(frame: frame(caller, sessionToken: token, title: "Approve \(preview.run.period)?",
                                                                        area: "bonus"), body: body))
            }
            let run = try await services.pool.withTransaction {
                try await bonusActions.approve($0, caller: caller, id: runID, closeEarly: values["closeEarly"] != nil)
            }
            let words = run.status == "approved" ? "\(run.period) is approved and locked." : "Your people's statements are approved; the run locks when every statement is."
            return Flash.redirect(Site.bonusRun(runID), message: words)
        }
    }

    @Sendable func bonusPlansPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            let plans = try await services.pool.withConnection { try await bonusActions.plans($0, caller: caller) }
            let currency = services.configuration.currency
            let rows = plans.map { p in
                BonusPlansPage.Row(plan: p, target: p.targetBonus.amount.display(currency: currency), tiers: Self.tiersText(p.tiers),
                                   cap: p.cap.map { "\($0) × target" } ?? "none", lateCredit: "\(p.lateCreditPercent)%",
                                   metric: BonusRunPage.metricText(p.metric), members: p.members.count)
            }
            let body = BonusPlansPage(tabs: adminTabs(.admin, current: Site.adminBonusPlans()), rows: rows, notice: Self.notice(request))
            return renderer.page("admin-bonus-plans", Page(frame: frame(caller, sessionToken: token, title: "Bonus plans", area: "admin"), body: body))
        }
    }

    @Sendable func bonusPlanPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            try await bonusPlanPage(request, caller, token, id: try request.id(context), form: nil, status: .ok)
        }
    }

    @Sendable func saveBonusPlan(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            let id = try request.id(context)
            let (reader, input, aliases) = Self.planInput(values)
            do {
                _ = try await formTransaction(reader) { db in
                    try await bonusActions.savePlan(db, caller: caller, id: id, expected: Int(values["version"] ?? "") ?? -1, input: input)
                }
                return WebSession.redirect(Site.adminBonusPlan(id) + "?saved=1")
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                var form = AdminFormState(values)
                if failure.status == .preconditionFailed {
                    form.conflict = AdminConflict([])
                } else {
                    let shown: Set<String> = ["name", "method", "targetBonus", "threshold", "cap", "lateCreditPercent", "tiers",
                                              "budgetTolerancePercent", "overBudgetCreditPercent"]
                    form.messages = failure.messages
                    for (field, message) in failure.errors.sorted(by: { $0.key < $1.key }) {
                        let name = aliases[field] ?? field
                        if shown.contains(name) || aliases[field] != nil {
                            form.errors[AdminFormState.key(name)] = message
                        } else {
                            form.messages.append(message)
                        }
                    }
                }
                return try await bonusPlanPage(request, caller, token, id: id, form: form, status: Self.pageStatus(failure))
            }
        }
    }

    /// A new plan as a copy of an existing one under a new name.
    @Sendable func copyBonusPlan(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            let id = try request.id(context)
            do {
                let created = try await services.pool.withTransaction { db in
                    try await bonusActions.copyPlan(db, caller: caller, from: id, name: values["name"] ?? "")
                }
                return WebSession.redirect(Site.adminBonusPlan(created.id) + "?saved=1")
            } catch {
                guard let failure = FormFailure(error),
                      let plan = try await services.pool.withConnection({ try await services.bonus.plan($0, id: id) }) else { throw error }
                var form = AdminFormState(Self.planValues(plan))
                let words = Self.refusalWords(failure)
                form.messages.append("The new plan was not created: \(words.joined(separator: "; "))")
                return try await bonusPlanPage(request, caller, token, id: id, form: form, status: Self.pageStatus(failure))
            }
        }
    }

    /// A membership from the plan page: a person or a manager's people, from a day to a day.
    /// An overlap with another plan comes back in the API's words (409 naming the other plan).
    @Sendable func addBonusPlanMember(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, _, area, values in
            guard area == .admin else { return forbidden() }
            let id = try request.id(context)
            var reader = FormReader(values)
            let who = values["who"] ?? ""
            let from = reader.date("from", "From")
            let to = reader.optional("to") == nil ? nil : reader.date("to", "To")
            let person = Int64(who.dropFirst(2))
            do {
                try reader.problems.throwIfInvalid()
                guard let person, let from, who.hasPrefix("u-") || who.hasPrefix("m-") else {
                    throw ValidationFailure("userId", "Choose a person, or a manager whose people join")
                }
                let input = BonusMemberInput(userId: who.hasPrefix("u-") ? person : nil, managerId: who.hasPrefix("m-") ? person : nil,
                                             from: from, to: to)
                let member = try await services.pool.withTransaction { try await bonusActions.addMember($0, caller: caller, planID: id, input: input) }
                return Flash.redirect(Site.adminBonusPlan(id), message: "\(member.name) joins the plan \(Formatting.span(member.span.from, until: member.span.to)).")
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                let words = Self.refusalWords(failure)
                return Flash.redirect(Site.adminBonusPlan(id), message: "Not added: \(words.joined(separator: "; "))")
            }
        }
    }

    @Sendable func removeBonusPlanMember(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, _, area, _ in
            guard area == .admin else { return forbidden() }
            let id = try request.id(context)
            let member = try request.id(context, "member")
            try await services.pool.withTransaction { try await bonusActions.removeMember($0, caller: caller, planID: id, memberID: member) }
            return Flash.redirect(Site.adminBonusPlan(id), message: "Membership removed.")
        }
    }

    /// A person's own target bonus on this plan (empty: back to the plan's), through the plan's action.
    @Sendable func setBonusPlanOverride(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, _, area, values in
            guard area == .admin else { return forbidden() }
            let id = try request.id(context)
            var reader = FormReader(values)
            let target = reader.optional("targetBonus") == nil ? nil : reader.money("targetBonus", "Target bonus")
            do {
                try reader.problems.throwIfInvalid()
                guard let userID = values["userId"].flatMap({ Int64($0) }) else { throw ValidationFailure("userId", "Choose a person") }
                try await services.pool.withTransaction { db in
                    let plan = try await bonusActions.plan(db, caller: caller, id: id)
                    var overrides = plan.overrides.filter { $0.userId != userID }
                    if let target { overrides.append(.init(userId: userID, targetBonus: target)) }
                    var input = BonusPlanInput()
                    input.overrides = overrides
                    _ = try await bonusActions.savePlan(db, caller: caller, id: id, expected: plan.version, input: input)
                }
                return Flash.redirect(Site.adminBonusPlan(id), message: target == nil ? "Personal target removed." : "Personal target saved.")
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                let words = Self.refusalWords(failure)
                return Flash.redirect(Site.adminBonusPlan(id), message: "Not saved: \(words.joined(separator: "; "))")
            }
        }
    }

    /// A refusal's words, field messages first (by field), for a page that shows them in one line.
    static func refusalWords(_ failure: FormFailure) -> [String] {
        failure.errors.sorted { $0.key < $1.key }.map(\.value) + failure.messages
    }

    /// A refused form's status: a stale version is a conflict to the person.
    static func pageStatus(_ failure: FormFailure) -> HTTPResponse.Status {
        failure.status == .preconditionFailed ? .conflict : failure.status
    }

    /// The plan form read into the API's input. The tier rows' boxes are `tier-from-<row>`
    /// and so on; `aliases` maps the API's `tiers[<n>].from` (the n-th row not left
    /// empty) back to the box, so each message goes beside what was typed.
    static func planInput(_ values: [String: String]) -> (FormReader, BonusPlanInput, [String: String]) {
        var reader = FormReader(values)
        var aliases: [String: String] = [:]
        func required(_ name: String, _ label: String) {
            if reader.optional(name) == nil { reader.problems.add(name, "\(label) is required") }
        }
        var input = BonusPlanInput()
        input.name = values["name"] ?? ""
        input.method = reader.choice("method", "Method", BonusMethod.self)
        required("targetBonus", "Target bonus")
        input.targetBonus = reader.money("targetBonus", "Target bonus")
        required("threshold", "Threshold")
        input.threshold = reader.decimal("threshold", "Threshold")
        input.cap = reader.decimal("cap", "Cap")
        required("lateCreditPercent", "Late credit")
        input.lateCreditPercent = reader.decimal("lateCreditPercent", "Late credit")
        // An empty tolerance box is no tolerance: the API's 0.
        input.budgetTolerancePercent = reader.decimal("budgetTolerancePercent", "Budget tolerance") ?? DecimalString(0)
        input.overBudgetCreditPercent = reader.decimal("overBudgetCreditPercent", "Credit over budget")
        var tiers: [BonusTier] = []
        for row in 0..<tierRowLimit {
            let boxes = ["from", "to", "rate"].map { (part: $0, name: "tier-\($0)-\(row)") }
            if boxes.allSatisfy({ reader.optional($0.name) == nil }) { continue }
            let sent = tiers.count
            for box in boxes { aliases["tiers[\(sent)].\(box.part)"] = box.name }
            func number(_ part: String, _ label: String) -> Decimal? {
                let name = "tier-\(part)-\(row)", field = "tiers[\(sent)].\(part)"
                if reader.optional(name) == nil {
                    if part != "to" { reader.problems.add(field, "\(label) is required") }
                    return nil
                }
                return reader.decimal(name, label, field: field)?.value
            }
            let from = number("from", "From"), to = number("to", "To"), rate = number("rate", "Rate")
            tiers.append(BonusTier(from: from ?? 0, to: to, rate: rate ?? 0))
        }
        input.tiers = tiers
        return (reader, input, aliases)
    }

    static func tiersText(_ tiers: [BonusTier]) -> String {
        tiers.map { t in
            "from \(t.from.plainText)" + (t.to.map { " to \($0.plainText)" } ?? " up") + ": rate \(t.rate.plainText)"
        }.joined(separator: "; ")
    }

    static func planValues(_ p: BonusPlanRecord) -> [String: String] {
        var values = ["name": p.name, "method": p.method.rawValue, "targetBonus": p.targetBonus.description,
                      "threshold": p.threshold.description, "cap": p.cap?.description ?? "",
                      "lateCreditPercent": p.lateCreditPercent.description, "version": String(p.version),
                      "budgetTolerancePercent": p.budgetTolerancePercent?.description ?? "",
                      "overBudgetCreditPercent": p.overBudgetCreditPercent?.description ?? ""]
        for (i, t) in p.tiers.enumerated() {
            values["tier-from-\(i)"] = t.from.plainText
            values["tier-to-\(i)"] = t.to?.plainText ?? ""
            values["tier-rate-\(i)"] = t.rate.plainText
        }
        return values
    }

    private func bonusPlanPage(_ request: Request, _ caller: Caller, _ token: String, id: Int64, form: AdminFormState?,
                               status: HTTPResponse.Status) async throws -> Response {
        let plan = try await services.pool.withConnection { try await bonusActions.plan($0, caller: caller, id: id) }
        let saved = Self.planValues(plan)
        var state = form ?? AdminFormState(saved)
        if form == nil || state.conflict != nil { state.values["version"] = saved["version"] }
        func typedTiers(_ v: [String: String]) -> String {
            (0..<Self.tierRowLimit).compactMap { row -> String? in
                let from = v["tier-from-\(row)"] ?? "", to = v["tier-to-\(row)"] ?? "", rate = v["tier-rate-\(row)"] ?? ""
                if from.trimmed.isEmpty && to.trimmed.isEmpty && rate.trimmed.isEmpty { return nil }
                return "from \(from.trimmed)" + (to.trimmed.isEmpty ? " up" : " to \(to.trimmed)") + ": rate \(rate.trimmed)"
            }.joined(separator: "; ")
        }
        if state.conflict != nil {
            func show(_ v: [String: String]) -> [String] {
                func orNone(_ key: String) -> String { v[key].flatMap { $0.trimmed.isEmpty ? nil : $0 } ?? "none" }
                return [v["name"] ?? "", Formatting.label(v["method"] ?? ""), v["targetBonus"] ?? "", v["threshold"] ?? "", typedTiers(v),
                        orNone("cap"), v["lateCreditPercent"] ?? "", orNone("budgetTolerancePercent"), orNone("overBudgetCreditPercent")]
            }
            // Every box of the form, the budget tolerance pair included (#22), so a change
            // of theirs to any of them is shown before mine is saved over it.
            let labels = ["Name", "Method", "Target bonus", "Threshold", "Tiers", "Cap", "Late credit (%)", "Budget tolerance (%)",
                          "Credit over budget (%)"]
            let theirs = show(saved), mine = show(state.values)
            state.conflict = AdminConflict(labels.indices.map { (labels[$0], theirs[$0], mine[$0]) })
        }
        var lastTier = 0
        for row in 0..<Self.tierRowLimit
        where !((state.values["tier-from-\(row)"] ?? "") + (state.values["tier-to-\(row)"] ?? "") + (state.values["tier-rate-\(row)"] ?? "")).trimmed.isEmpty {
            lastTier = row + 1
        }
        let tierRows = (0..<min(Self.tierRowLimit, lastTier + 2)).map { row in
            BonusPlanPage.TierRow(index: row + 1, from: AdminField.number("tier-from-\(row)", "From (tier \(row + 1))", state),
                                  to: AdminField.number("tier-to-\(row)", "To (tier \(row + 1))", state),
                                  rate: AdminField.number("tier-rate-\(row)", "Rate (tier \(row + 1))", state))
        }
        let currency = services.configuration.currency
        let fields = [
            AdminField.text("name", "Name", state),
            AdminField.select("method", "Method", state, options: [("marginal", "Marginal: each tier pays on the part inside it"),
                                                                    ("retroactive", "Retroactive: the highest tier reached pays on all")]),
            AdminField.number("targetBonus", "Target bonus (\(currency))", state).hinted("What a project manager earns at full quota"),
            AdminField.number("threshold", "Threshold", state).hinted("Attainment below which nothing is paid: 0.5 is half the quota"),
        ]
        let afterTiers = [
            AdminField.number("cap", "Cap", state)
                .hinted("At most this multiple of the target bonus is paid: 2 is twice the target. Once set, a cap can be changed but not removed."),
            AdminField.number("lateCreditPercent", "Late credit (%)", state).hinted("Share of a late phase's value that still counts: 50 is half"),
            AdminField.number("budgetTolerancePercent", "Budget tolerance (%)", state)
                .hinted("A phase whose approved hours exceed this share of its budget hours gets reduced credit: 110 allows 10% over. Empty: no tolerance"),
            AdminField.number("overBudgetCreditPercent", "Credit over budget (%)", state)
                .hinted("Share of its credit a phase beyond the tolerance keeps: 50 is half"),
        ]
        var body = BonusPlanPage(
            tabs: adminTabs(.admin, current: Site.adminBonusPlans()), id: plan.id, name: plan.name, version: state["version"], fields: fields,
            tierRows: tierRows, tierError: state.errors["tiers"] ?? "", hasTierError: state.errors["tiers"] != nil, afterTiers: afterTiers,
            messages: state.messages, conflict: state.conflict, notice: Self.notice(request))
        // Members and personal targets: who the plan pays, and anyone paid another target.
        let choices = try await services.pool.withConnection { try await services.users.choices($0, visibleTo: caller) }.filter(\.active)
        let names = Dictionary(choices.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        body.metric = BonusRunPage.metricText(plan.metric)
        body.members = plan.members.map { m in
            .init(id: m.id, name: m.name, span: Formatting.span(m.span.from, until: m.span.to), removeAction: Site.adminBonusPlanMemberRemove(plan.id, m.id))
        }
        body.overrides = plan.overrides.map { o in
            .init(userId: o.userId, name: names[o.userId] ?? "Person \(o.userId)", target: o.targetBonus.amount.display(currency: currency))
        }
        body.people = choices.map { .init(id: $0.id, name: $0.name) }
        body.managers = body.people
        body.memberError = Flash.message(request)
        return Flash.shown(renderer.page("admin-bonus-plan", Page(frame: frame(caller, sessionToken: token, title: plan.name, area: "admin"), body: body),
                                         status: status), for: request)
    }
}

/// `/bonus`: the runs, newest first, each with the statements the reader may see.
struct BonusRunsPage {
    struct Line { var runId: Int64; var period, status: String; var locked: Bool; var people: [Person]; var link, planName: String }
    struct Person { var userId: Int64; var name, payout: String }
    struct PlanChoice { var id: Int64; var name: String }
    var runs: [Line]
    /// For admins and managers: the plans a new run can be computed for.
    var plans: [PlanChoice] = []
    var canCompute = false
    var currentPeriod = ""
    var message: String?

    static func build(_ db: Connection, caller: Caller, services: AppServices) async throws -> BonusRunsPage {
        let actions = BonusActions(services: services)
        let currency = services.configuration.currency
        var lines: [Line] = []
        let planNames = Dictionary(try await services.bonus.plans(db).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        for run in try await services.bonus.runs(db).reversed() {
            var people: [Person] = []
            for s in run.statements where try await actions.canSee(db, caller, userID: s.userId) {
                people.append(Person(userId: s.userId, name: s.name, payout: s.payout.amount.display(currency: currency)))
            }
            if !people.isEmpty {
                lines.append(Line(runId: run.id, period: run.period, status: run.status, locked: run.status == "approved", people: people,
                                  link: Site.bonusRun(run.id), planName: planNames[run.planId] ?? "Plan \(run.planId)"))
            }
        }
        var page = BonusRunsPage(runs: lines)
        if caller.isAdmin || caller.has(.manager) {
            page.plans = planNames.sorted { $0.key < $1.key }.map { PlanChoice(id: $0.key, name: $0.value) }
            page.canCompute = !page.plans.isEmpty
            page.currentPeriod = services.quotas.calendar.period(containing: DeliveryActions.today, kind: .quarter).key
        }
        return page
    }
}

/// `/bonus/{run}/{user}`: one statement: its plan, the person's target (and whether it
/// is their own override), every line, tier, cap and adjustment, the approval, and a
/// what-if over the person's open phases.
struct StatementPage {
    struct TierLine { var band, rate, amount: String }
    struct AdjustmentLine { var amount, reason, author: String }
    /// `day`: the completion day to try, as typed or the phase's due date.
    struct OpenPhase { var id: Int64; var name, value, due, day: String }
    struct WhatIf { var payout, difference: String; var explanation: [String] }
    var statement: StatementRecord
    var locked, canApprove: Bool
    var lines: [CreditLine]
    var explanation: [String]
    var payout: String
    var hasAdjustments: Bool
    var planName = ""
    var planLink: String?
    var runLink = "", metric = ""
    var isSales = false
    var target = ""
    /// Set when the person has a target of their own, saying so.
    var override: String?
    /// The amounts of the computation, as the page shows them.
    var quota = "", credited = "", attainment = ""
    var tiers: [TierLine] = []
    var cap = ""
    var adjustments: [AdjustmentLine] = []
    var approvedBy: String?
    var openPhases: [OpenPhase] = []
    /// Stored, not computed: the templates read fields by reflection.
    var hasOpenPhases = false
    var whatIf: WhatIf?
    var whatIfError: String?
}

/// `/admin/bonus-plans`.
struct BonusPlansPage {
    /// The plan as it is, and what the table shows of it in words.
    struct Row {
        var plan: BonusPlanRecord
        var target, tiers, cap, lateCredit, metric: String
        var members: Int
    }
    var tabs: [AdminTab]
    var rows: [Row]
    var notice: String?
}

/// `/admin/bonus-plans/{id}`: changing a plan's target bonus, threshold, tiers, cap and
/// late credit, every broken rule beside its box.
struct BonusPlanPage {
    struct TierRow { var index: Int; var from: AdminField; var to: AdminField; var rate: AdminField }
    var tabs: [AdminTab]
    var id: Int64
    var name, version: String
    var fields: [AdminField]
    var tierRows: [TierRow]
    var tierError: String
    var hasTierError: Bool
    /// The boxes after the tiers (cap, late credit).
    var afterTiers: [AdminField]
    var messages: [String]
    var conflict: AdminConflict?
    var notice: String?
    var metric = ""
    var members: [MemberRow] = []
    var overrides: [OverrideRow] = []
    /// The people a membership or a personal target can name, and the managers whose people can join.
    var people: [PersonChoice] = [], managers: [PersonChoice] = []
    var memberError: String?

    struct MemberRow { var id: Int64; var name, span, removeAction: String }
    struct OverrideRow { var userId: Int64; var name, target: String }
    struct PersonChoice { var id: Int64; var name: String }
}
