import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/bonus-plans` and `/admin/bonus-plans/{id}`: the plans, and changing one's
/// target bonus, threshold, tiers, cap and late credit with the API's own checks
/// (`PATCH /bonus-plans/{id}`), every broken rule beside its field.
struct BonusPlansPage {
    struct Row {
        var id: Int64
        var name: String
        var method: String
        var periodType: String
        var target: String
        var threshold: String
        var tiers: String
        var cap: String
        var lateCredit: String
    }
    var tabs: [AdminTab]
    var rows: [Row]
    var notice: String?
}

struct BonusPlanPage {
    struct TierRow { var index: Int; var from: AdminField; var to: AdminField; var rate: AdminField }
    var tabs: [AdminTab]
    var id: Int64
    var name: String
    var version: String
    var fields: [AdminField]
    var tierRows: [TierRow]
    var tierError: String
    var hasTierError: Bool
    var afterTiers: [AdminField]
    var messages: [String]
    var conflict: AdminConflict?
    var notice: String?
}

extension WebRoutes {
    static let tierRowLimit = BonusPlanRules.maxTiers + 2

    func registerAdminBonusPlans(on pages: RouterGroup<BatonRequestContext>, api: AdminAPI) {
        pages.get("admin/bonus-plans") { request, context in
            try await adminVisit(request, context, admins: true) { caller, token, _ in
                let plans = try await services.pool.withConnection { try await services.bonus.plans($0) }
                let currency = services.configuration.currency
                let rows = plans.map { p in
                    BonusPlansPage.Row(id: p.id, name: p.name, method: p.method.rawValue, periodType: p.periodType,
                                       target: p.targetBonus.amount.display(currency: currency), threshold: p.threshold.description,
                                       tiers: Self.tiersText(p.tiers), cap: p.cap.map { "\($0) × target" } ?? "none",
                                       lateCredit: "\(p.lateCreditPercent)%")
                }
                let body = BonusPlansPage(tabs: adminTabs(.admin, current: "/admin/bonus-plans"), rows: rows, notice: Self.notice(request))
                return renderer.page("admin-bonus-plans", Page(frame: frame(caller, sessionToken: token, title: "Bonus plans", area: "admin"), body: body))
            }
        }
        pages.get("admin/bonus-plans/:id") { request, context in
            try await adminVisit(request, context, admins: true) { caller, token, _ in
                try await bonusPlanPage(request, caller, token, id: try request.id(context), form: nil, status: .ok)
            }
        }
        pages.post("admin/bonus-plans/:id") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                guard area == .admin else { return forbidden() }
                let id = try request.id(context)
                var tiers: [[String: Any]] = []
                var fields: Set<String> = ["name", "method", "targetBonus", "threshold", "cap", "lateCreditPercent", "tiers"]
                var aliases: [String: String] = [:]
                for row in 0..<Self.tierRowLimit {
                    let from = values["tier-from-\(row)"]?.trimmed ?? "", to = values["tier-to-\(row)"]?.trimmed ?? ""
                    let rate = values["tier-rate-\(row)"]?.trimmed ?? ""
                    if from.isEmpty && to.isEmpty && rate.isEmpty { continue }
                    let sent = tiers.count
                    tiers.append(["from": from, "to": to.isEmpty ? NSNull() : to, "rate": rate])
                    for part in ["from", "to", "rate"] {
                        fields.insert(AdminFormState.key("tier-\(part)-\(row)"))
                        aliases[AdminFormState.key("tiers[\(sent)].\(part)")] = AdminFormState.key("tier-\(part)-\(row)")
                    }
                }
                let body: [String: Any] = [
                    "name": values["name"] ?? "", "method": values["method"] ?? "", "targetBonus": values["targetBonus"]?.trimmed ?? "",
                    "threshold": values["threshold"]?.trimmed ?? "", "tiers": tiers, "cap": values["cap"]?.adminValue ?? NSNull(),
                    "lateCreditPercent": values["lateCreditPercent"]?.trimmed ?? "",
                ]
                let answer = try await api.send(.patch, "bonus-plans/\(id)", body, version: Int(values["version"] ?? "") ?? -1, context: context)
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/bonus-plans/\(id)?saved=1") }
                var form = AdminFormState(values)
                if problem.status.code == 412 { form.conflict = AdminConflict([]) } else { form.absorb(problem, fields: fields, aliases: aliases) }
                return try await bonusPlanPage(request, caller, token, id: id, form: form, status: Self.status(of: problem))
            }
        }
    }

    /// A new plan, made through the API as a copy of an existing one under a new name.
    func registerAdminBonusPlanCopy(on pages: RouterGroup<BatonRequestContext>, api: AdminAPI) {
        pages.post("admin/bonus-plans/:id/copy") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                guard area == .admin else { return forbidden() }
                let id = try request.id(context)
                guard let plan = try await services.pool.withConnection({ try await services.bonus.plan($0, id: id) }) else { return notFoundPage() }
                let body: [String: Any] = [
                    "name": values["name"]?.trimmed ?? "", "method": plan.method.rawValue, "periodType": plan.periodType,
                    "targetBonus": plan.targetBonus.description, "threshold": plan.threshold.description,
                    "tiers": plan.tiers.map { t in ["from": t.from.plainText, "to": t.to.map { $0.plainText as Any } ?? NSNull(), "rate": t.rate.plainText] },
                    "cap": plan.cap.map { $0.description as Any } ?? NSNull(), "lateCreditPercent": plan.lateCreditPercent.description,
                ]
                let answer = try await api.send(.post, "bonus-plans", body, context: context)
                if case .done(_, _, let data) = answer {
                    let created = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? Int
                    return WebSession.redirect(created.map { "/admin/bonus-plans/\($0)?saved=1" } ?? "/admin/bonus-plans")
                }
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/bonus-plans") }
                var form = AdminFormState(Self.planValues(plan))
                form.messages.append("The new plan was not created: \(problem.errors.map(\.message).joined(separator: "; ").nilIfEmpty ?? problem.detail)")
                return try await bonusPlanPage(request, caller, token, id: id, form: form, status: Self.status(of: problem))
            }
        }
    }

    static func tiersText(_ tiers: [BonusTier]) -> String {
        tiers.map { t in
            "from \(t.from.plainText)" + (t.to.map { " to \($0.plainText)" } ?? " up") + ": rate \(t.rate.plainText)"
        }.joined(separator: "; ")
    }

    static func planValues(_ p: BonusPlanRecord) -> [String: String] {
        var values = ["name": p.name, "method": p.method.rawValue, "targetBonus": p.targetBonus.description,
                      "threshold": p.threshold.description, "cap": p.cap?.description ?? "",
                      "lateCreditPercent": p.lateCreditPercent.description, "version": String(p.version)]
        for (i, t) in p.tiers.enumerated() {
            values["tier-from-\(i)"] = t.from.plainText
            values["tier-to-\(i)"] = t.to?.plainText ?? ""
            values["tier-rate-\(i)"] = t.rate.plainText
        }
        return values
    }

    private func bonusPlanPage(_ request: Request, _ caller: Caller, _ token: String, id: Int64, form: AdminFormState?,
                               status: HTTPResponse.Status) async throws -> Response {
        guard let plan = try await services.pool.withConnection({ try await services.bonus.plan($0, id: id) }) else { return notFoundPage() }
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
                [v["name"] ?? "", v["method"] ?? "", v["targetBonus"] ?? "", v["threshold"] ?? "", typedTiers(v),
                 v["cap"].flatMap { $0.isEmpty ? nil : $0 } ?? "none", v["lateCreditPercent"] ?? ""]
            }
            let labels = ["Name", "Method", "Target bonus", "Threshold", "Tiers", "Cap", "Late credit (%)"]
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
        ]
        let body = BonusPlanPage(
            tabs: adminTabs(.admin, current: "/admin/bonus-plans"), id: plan.id, name: plan.name, version: state["version"], fields: fields,
            tierRows: tierRows, tierError: state.errors["tiers"] ?? "", hasTierError: state.errors["tiers"] != nil, afterTiers: afterTiers,
            messages: state.messages, conflict: state.conflict, notice: Self.notice(request))
        return renderer.page("admin-bonus-plan", Page(frame: frame(caller, sessionToken: token, title: plan.name, area: "admin"), body: body),
                             status: status)
    }
}
