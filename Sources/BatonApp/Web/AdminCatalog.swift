import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/typical-projects` and `/admin/typical-projects/{id}`: the catalog; a typical
/// project's phases, skills and checklist; adding a simple one (one phase) and changing
/// the name, description, pricing and duration. Changes go through `/typical-projects`.
struct CatalogPage {
    struct Row { var id: Int64; var name: String; var pricing: String; var duration: String; var phases: Int; var archived: Bool }
    var tabs: [AdminTab]
    var rows: [Row]
    var next: String
    var hasNext: Bool
    var fields: [AdminField]
    var messages: [String]
    var notice: String?
    var formKey: String
}

struct TypicalProjectPage {
    struct Phase { var name: String; var offset: Int; var length: Int; var share: String; var skills: String }
    struct Item { var text: String; var required: Bool }
    var tabs: [AdminTab]
    var id: Int64
    var name: String
    var description: String
    var pricing: String
    var duration: String
    var archived: Bool
    var phases: [Phase]
    var checklist: [Item]
    var hasChecklist: Bool
    var version: String
    var fields: [AdminField]
    var messages: [String]
    var conflict: AdminConflict?
    var notice: String?
}

extension WebRoutes {
    static let catalogFields: Set<String> = ["name", "description", "model", "amount", "typicalDurationDays", "phaseName", "phaseLength",
                                             "skill", "hours", "checklistItem"]
    /// The API's fields for the ones the simple form stands for.
    static let catalogAliases: [String: String] = [
        "pricing": "amount", "pricing_price": "amount", "pricing_rate": "amount", "pricing_model": "model",
        "phases": "phaseName", "phases_0__name": "phaseName", "phases_0__sharePercent": "phaseName",
        "phases_0__lengthDays": "phaseLength", "phases_0__offsetDays": "phaseLength",
        "phases_0__skills_0__skill": "skill", "phases_0__skills_0__hours": "hours",
        "checklist": "checklistItem", "checklist_0__text": "checklistItem", "checklist_0__required": "checklistItem",
    ]

    func registerAdminCatalog(on pages: RouterGroup<BatonRequestContext>, api: AdminAPI) {
        pages.get("admin/typical-projects") { request, context in
            try await adminVisit(request, context, admins: true) { caller, token, _ in
                try await catalogPage(request, caller, token, form: AdminFormState(["model": "fixed"]), status: .ok)
            }
        }
        pages.post("admin/typical-projects") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                guard area == .admin else { return forbidden() }
                var phase: [String: Any] = ["name": values["phaseName"] ?? "", "offsetDays": 0, "sharePercent": "100", "skills": [Any]()]
                phase["lengthDays"] = adminWholeNumber(values["phaseLength"]?.adminValue ?? values["typicalDurationDays"] ?? "")
                if let skill = values["skill"]?.adminValue {
                    phase["skills"] = [["skill": skill, "hours": values["hours"]?.trimmed ?? ""]]
                }
                var body: [String: Any] = ["name": values["name"] ?? "", "pricing": Self.pricing(values), "phases": [phase]]
                if let d = values["description"]?.adminValue { body["description"] = d }
                if let d = values["typicalDurationDays"]?.adminValue { body["typicalDurationDays"] = adminWholeNumber(d) }
                if let item = values["checklistItem"]?.adminValue { body["checklist"] = [["text": item, "required": true]] }
                let answer = try await api.send(.post, "typical-projects", body, idempotencyKey: values["formKey"], context: context)
                if case .refused(let problem) = answer {
                    var form = AdminFormState(values)
                    form.absorb(problem, fields: Self.catalogFields, aliases: Self.catalogAliases)
                    return try await catalogPage(request, caller, token, form: form, status: Self.status(of: problem))
                }
                return WebSession.redirect("/admin/typical-projects/\(answer.createdID ?? 0)?saved=created")
            }
        }
        pages.get("admin/typical-projects/:id") { request, context in
            try await adminVisit(request, context, admins: true) { caller, token, _ in
                try await typicalProjectPage(request, caller, token, id: try request.id(context), form: nil, status: .ok)
            }
        }
        pages.post("admin/typical-projects/:id") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                guard area == .admin else { return forbidden() }
                let id = try request.id(context)
                let body: [String: Any] = [
                    "name": values["name"] ?? "", "description": values["description"]?.adminValue ?? NSNull(), "pricing": Self.pricing(values),
                    "typicalDurationDays": values["typicalDurationDays"]?.adminValue.map(adminWholeNumber) ?? NSNull(),
                ]
                let answer = try await api.send(.patch, "typical-projects/\(id)", body, version: Int(values["version"] ?? "") ?? -1, context: context)
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/typical-projects/\(id)?saved=1") }
                var form = AdminFormState(values)
                if problem.status.code == 412 {
                    form.conflict = AdminConflict([])
                } else {
                    form.absorb(problem, fields: Self.catalogFields, aliases: Self.catalogAliases)
                }
                return try await typicalProjectPage(request, caller, token, id: id, form: form, status: Self.status(of: problem))
            }
        }
    }

    /// `{"model": "fixed", "price": "…"}` or `{"model": "hourly", "rate": "…"}` from the form.
    static func pricing(_ values: [String: String]) -> [String: Any] {
        let model = values["model"] ?? "fixed"
        var pricing: [String: Any] = ["model": model]
        if let amount = values["amount"]?.adminValue { pricing[model == "hourly" ? "rate" : "price"] = amount }
        return pricing
    }

    static func pricingText(_ p: TypicalProjectRecord.Pricing, currency: String) -> String {
        p.model == "hourly" ? "\(p.amount.display(currency: currency)) an hour" : "\(p.amount.display(currency: currency)) fixed fee"
    }

    static let modelOptions: [(value: String, label: String)] = [("fixed", "Fixed fee"), ("hourly", "Hourly rate")]

    private func catalogPage(_ request: Request, _ caller: Caller, _ token: String, form: AdminFormState, status: HTTPResponse.Status) async throws -> Response {
        let pageRequest = try PageRequest.adminPage(request)
        let list = try await services.pool.withConnection { try await services.catalog.list($0, page: pageRequest, includeArchived: true) }
        let currency = services.configuration.currency
        let rows = list.items.map {
            CatalogPage.Row(id: $0.id, name: $0.name, pricing: Self.pricingText($0.pricing, currency: currency),
                            duration: $0.typicalDurationDays.map { "\($0) days" } ?? "", phases: $0.phases.count, archived: $0.archived)
        }
        let fields = [
            AdminField.text("name", "Name", form),
            AdminField.textarea("description", "Description", form),
            AdminField.select("model", "Pricing", form, options: Self.modelOptions),
            AdminField.number("amount", "Price or hourly rate (\(currency))", form),
            AdminField.number("typicalDurationDays", "Typical duration (days)", form),
            AdminField.text("phaseName", "Phase", form).hinted("The one phase of a simple typical project; it carries the whole value"),
            AdminField.number("phaseLength", "Phase length (days)", form).hinted("Leave empty for the typical duration"),
            AdminField.text("skill", "Skill the phase needs", form),
            AdminField.number("hours", "Hours of that skill", form),
            AdminField.text("checklistItem", "Completion checklist item", form).hinted("Optional; required when given"),
        ]
        let body = CatalogPage(tabs: adminTabs(.admin, current: "/admin/typical-projects"), rows: rows, next: list.nextCursor ?? "",
                               hasNext: list.nextCursor != nil, fields: fields, messages: form.messages, notice: Self.notice(request),
                               formKey: Self.formKey())
        return renderer.page("admin-typical-projects",
                             Page(frame: frame(caller, sessionToken: token, title: "Typical projects", area: "admin"), body: body), status: status)
    }

    static func catalogValues(_ t: TypicalProjectRecord) -> [String: String] {
        ["name": t.name, "description": t.description ?? "", "model": t.pricing.model, "amount": t.pricing.amount.moneyText,
         "typicalDurationDays": t.typicalDurationDays.map { String($0) } ?? "", "version": String(t.version)]
    }

    private func typicalProjectPage(_ request: Request, _ caller: Caller, _ token: String, id: Int64, form: AdminFormState?,
                                    status: HTTPResponse.Status) async throws -> Response {
        guard let t = try await services.pool.withConnection({ try await services.catalog.find($0, id: id) }) else { return notFoundPage() }
        let currency = services.configuration.currency
        let saved = Self.catalogValues(t)
        var state = form ?? AdminFormState(saved)
        if form == nil || state.conflict != nil { state.values["version"] = saved["version"] }
        if state.conflict != nil {
            func show(_ v: [String: String]) -> [String] {
                [v["name"] ?? "", v["description"] ?? "", Self.modelOptions.first { $0.value == v["model"] }?.label ?? (v["model"] ?? ""),
                 v["amount"] ?? "", v["typicalDurationDays"] ?? ""]
            }
            let labels = ["Name", "Description", "Pricing", "Price or rate", "Typical duration (days)"]
            let theirs = show(saved), mine = show(state.values)
            state.conflict = AdminConflict(labels.indices.map { (labels[$0], theirs[$0], mine[$0]) })
        }
        let fields = [
            AdminField.text("name", "Name", state),
            AdminField.textarea("description", "Description", state),
            AdminField.select("model", "Pricing", state, options: Self.modelOptions),
            AdminField.number("amount", "Price or hourly rate (\(currency))", state),
            AdminField.number("typicalDurationDays", "Typical duration (days)", state),
        ]
        let body = TypicalProjectPage(
            tabs: adminTabs(.admin, current: "/admin/typical-projects"), id: t.id, name: t.name, description: t.description ?? "",
            pricing: Self.pricingText(t.pricing, currency: currency), duration: t.typicalDurationDays.map { "\($0) days" } ?? "",
            archived: t.archived,
            phases: t.phases.map { p in
                TypicalProjectPage.Phase(name: p.name, offset: p.offsetDays, length: p.lengthDays, share: p.sharePercent.description,
                                         skills: p.skills.map { "\($0.skill) \($0.hours) h" }.joined(separator: ", "))
            },
            checklist: t.checklist.map { .init(text: $0.text, required: $0.required) }, hasChecklist: !t.checklist.isEmpty,
            version: state["version"], fields: fields, messages: state.messages, conflict: state.conflict, notice: Self.notice(request))
        return renderer.page("admin-typical-project", Page(frame: frame(caller, sessionToken: token, title: t.name, area: "admin"), body: body),
                             status: status)
    }
}
