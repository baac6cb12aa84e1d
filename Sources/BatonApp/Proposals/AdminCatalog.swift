import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// `/admin/typical-projects` and `/admin/typical-projects/{id}`: the catalog; a typical
/// project's phases, skills and checklist; adding a simple one (one phase) and changing
/// the name, description, pricing and duration. Changes go through `CatalogActions`, as
/// the API's do.
struct CatalogPage {
    struct Row { var id: Int64; var name, pricing, duration: String; var phases: Int; var archived: Bool }
    var tabs: [AdminTab]
    var rows: [Row]
    var next: String; var hasNext: Bool
    var fields: [AdminField]
    var messages: [String]
    var notice: String?
    var formKey: String
}

struct TypicalProjectPage {
    struct Phase { var name: String; var offset, length: Int; var share, skills: String }
    struct Item { var text: String; var required: Bool }
    var tabs: [AdminTab]
    var id: Int64
    /// `recurrence`: how it is billed, in words ("Billed per month for 12 months, …" or "Sold once").
    var name, description, pricing, duration, recurrence: String
    var archived: Bool
    var phases: [Phase]
    var checklist: [Item]; var hasChecklist: Bool
    var version: String
    var fields: [AdminField]
    var messages: [String]
    var conflict: AdminConflict?
    var notice: String?
}

extension WebRoutes {
    static let catalogFields: Set<String> = ["name", "description", "model", "amount", "typicalDurationDays", "phaseName", "phaseLength",
                                             "skill", "hours", "checklistItem", "billingPeriod", "termMonths", "autoRenew", "noticeDays"]
    /// The API's fields for the ones the simple form stands for.
    static let catalogAliases: [String: String] = [
        "pricing": "amount", "pricing_price": "amount", "pricing_rate": "amount", "pricing_model": "model",
        "phases": "phaseName", "phases_0__name": "phaseName", "phases_0__sharePercent": "phaseName",
        "phases_0__lengthDays": "phaseLength", "phases_0__offsetDays": "phaseLength",
        "phases_0__skills_0__skill": "skill", "phases_0__skills_0__hours": "hours",
        "checklist": "checklistItem", "checklist_0__text": "checklistItem", "checklist_0__required": "checklistItem",
        "recurrence": "billingPeriod", "recurrence_period": "billingPeriod", "recurrence_termMonths": "termMonths",
        "recurrence_autoRenew": "autoRenew", "recurrence_noticeDays": "noticeDays",
    ]

    /// What both forms carry: the name, description, pricing, typical duration and
    /// recurrence (issue 23: an item sold by the period, for a term).
    static func details(_ values: [String: String], _ reader: inout FormReader) -> TypicalProjectInput {
        var input = TypicalProjectInput()
        input.name = values["name"] ?? ""
        input.description = reader.optional("description")
        input.pricing = pricing(values, &reader)
        input.typicalDurationDays = wholeNumber(values, "typicalDurationDays", "Typical duration", &reader)
        input.recurrence = recurrence(values, &reader)
        return input
    }

    /// The recurrence the form stands for: none when "Sold once" is picked; else the period,
    /// the term (required), auto-renewal and the notice (0 when empty). `CatalogFields`
    /// checks the term and notice, as for the API.
    static func recurrence(_ values: [String: String], _ reader: inout FormReader) -> Recurrence? {
        guard let text = reader.optional("billingPeriod") else { return nil }
        guard let period = BillingPeriod(rawValue: text) else {
            reader.problems.add("recurrence.period", "Billing must be once, monthly, quarterly or annual")
            return nil
        }
        let term = wholeNumber(values, "termMonths", "Term", field: "recurrence.termMonths", &reader)
        if term == nil, reader.optional("termMonths") == nil { reader.problems.add("recurrence.termMonths", "A recurring item needs its term in months") }
        return Recurrence(period: period, termMonths: term ?? 0, autoRenew: values["autoRenew"] == "on",
                          noticeDays: wholeNumber(values, "noticeDays", "Notice", field: "recurrence.noticeDays", &reader) ?? 0)
    }

    static let billingOptions: [(value: String, label: String)] =
        [("", "Sold once")] + BillingPeriod.allCases.map { ($0.rawValue, Formatting.label($0.rawValue)) }


    @Sendable func showCatalog(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            try await catalogPage(request, caller, token, form: AdminFormState(["model": "fixed"]), status: .ok)
        }
    }

    @Sendable func showTypicalProject(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            try await typicalProjectPage(request, caller, token, id: try request.id(context), form: nil, status: .ok)
        }
    }

    /// A simple typical project: one phase carrying the whole value, at most one skill
    /// and one checklist item. The form's key makes a double post create it once.
    @Sendable func addTypicalProjectForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            var reader = FormReader(values)
            var input = Self.details(values, &reader)
            let length = Self.wholeNumber(values, "phaseLength", "Phase length", field: "phases[0].lengthDays", &reader)
            var phase = TypicalProjectRecord.Phase(name: values["phaseName"] ?? "", offsetDays: 0, lengthDays: length ?? input.typicalDurationDays ?? 0,
                                                   sharePercent: DecimalString(100), skills: [])
            if let skill = reader.optional("skill") {
                let hours = reader.decimal("hours", "Hours", field: "phases[0].skills[0].hours")
                if hours == nil, reader.optional("hours") == nil { reader.problems.add("phases[0].skills[0].hours", "Hours are required for the skill") }
                phase.skills = [.init(skill: skill, hours: hours ?? DecimalString(0))]
            }
            input.phases = [phase]
            if let item = reader.optional("checklistItem") { input.checklist = [.init(text: item, required: true)] }
            let typed = input
            return try await addOnce(request, context, caller, values, reader, to: { Site.adminTypicalProject($0) },
                                     fields: Self.catalogFields, aliases: Self.catalogAliases) { db in
                try await CatalogActions(services: services).create(db, caller: caller, input: typed).id
            } again: { form, status in
                try await catalogPage(request, caller, token, form: form, status: status)
            }
        }
    }

    /// Saves the name, description, pricing and duration at the version the page showed.
    @Sendable func saveTypicalProjectForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            let id = try request.id(context)
            var reader = FormReader(values)
            let typed = Self.details(values, &reader)
            // A form without its version can only be stale: it never matches.
            let version = Int(values["version"] ?? "") ?? -1
            do {
                _ = try await formTransaction(reader) { db in
                    try await CatalogActions(services: services).change(
                        db, caller: caller, id: id, expected: version, input: typed,
                        keys: ["name", "description", "pricing", "typicalDurationDays", "recurrence"])
                }
                return WebSession.redirect(Site.adminTypicalProject(id) + "?saved=1")
            } catch {
                let problem = try adminRefusal(error, logger: context.logger)
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

    /// A whole number typed in a box, read into the API's field; other text is the
    /// field's message.
    static func wholeNumber(_ values: [String: String], _ name: String, _ label: String, field: String? = nil,
                            _ reader: inout FormReader) -> Int? {
        guard let text = values[name]?.adminValue else { return nil }
        guard let n = Int(text) else {
            reader.problems.add(field ?? name, "\(label) must be a whole number")
            return nil
        }
        return n
    }

    /// The pricing the form stands for: the amount as the fixed fee's price or the hourly rate.
    static func pricing(_ values: [String: String], _ reader: inout FormReader) -> TypicalProjectRecord.Pricing {
        let model = values["model"] ?? "fixed"
        let field = model == "hourly" ? "pricing.rate" : "pricing.price"
        let amount = reader.money("amount", model == "hourly" ? "Hourly rate" : "Price", field: field)
        return TypicalProjectRecord.Pricing(model: model, price: model == "hourly" ? nil : amount, rate: model == "hourly" ? amount : nil)
    }

    static func pricingText(_ p: TypicalProjectRecord.Pricing, currency: String) -> String {
        p.model == "hourly" ? "\(p.amount.display(currency: currency)) an hour" : "\(p.amount.display(currency: currency)) fixed fee"
    }

    static let modelOptions: [(value: String, label: String)] = [("fixed", "Fixed fee"), ("hourly", "Hourly rate")]

    /// A typical project's own details, the same on the "add" form and on its page.
    static func catalogDetailFields(_ form: AdminFormState, currency: String) -> [AdminField] {
        [
            AdminField.text("name", "Name", form),
            AdminField.textarea("description", "Description", form),
            AdminField.select("model", "Pricing", form, options: Self.modelOptions),
            AdminField.number("amount", "Price or hourly rate (\(currency))", form),
            AdminField.number("typicalDurationDays", "Typical duration (days)", form),
            AdminField.select("billingPeriod", "Billing", form, options: Self.billingOptions)
                .hinted("Monthly, quarterly or annual: the price is per period, and accepted proposals make an agreement"),
            AdminField.number("termMonths", "Term (months)", form).hinted("Whole periods; recurring items only"),
            AdminField.checkbox("autoRenew", "Renews automatically", form),
            AdminField.number("noticeDays", "Notice (days)", form).hinted("Either side's notice to stop it; 0 when empty"),
        ]
    }

    private func catalogPage(_ request: Request, _ caller: Caller, _ token: String, form: AdminFormState, status: HTTPResponse.Status) async throws -> Response {
        let pageRequest = try PageRequest.adminPage(request)
        let list = try await services.pool.withConnection { try await services.catalog.list($0, page: pageRequest, includeArchived: true) }
        let currency = services.configuration.currency
        let rows = list.items.map {
            CatalogPage.Row(id: $0.id, name: $0.name,
                            pricing: Self.pricingText($0.pricing, currency: currency) + ($0.recurrence.map { ", " + $0.period.rawValue } ?? ""),
                            duration: $0.typicalDurationDays.map { "\($0) days" } ?? "", phases: $0.phases.count, archived: $0.archived)
        }
        let fields = Self.catalogDetailFields(form, currency: currency) + [
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
         "typicalDurationDays": t.typicalDurationDays.map { String($0) } ?? "", "version": String(t.version),
         "billingPeriod": t.recurrence?.period.rawValue ?? "", "termMonths": t.recurrence.map { String($0.termMonths) } ?? "",
         "autoRenew": t.recurrence?.autoRenew == true ? "on" : "", "noticeDays": t.recurrence.map { String($0.noticeDays) } ?? ""]
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
        let fields = Self.catalogDetailFields(state, currency: currency)
        let body = TypicalProjectPage(
            tabs: adminTabs(.admin, current: "/admin/typical-projects"), id: t.id, name: t.name, description: t.description ?? "",
            pricing: Self.pricingText(t.pricing, currency: currency), duration: t.typicalDurationDays.map { "\($0) days" } ?? "",
            recurrence: t.recurrence.map { "Billed " + $0.words } ?? "Sold once", archived: t.archived,
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

extension WebRoutes {
    /// An admin list's "add" form, saved: the form's key makes a double post create one
    /// record, and the browser goes to its page (`to`), saying it was created; refused,
    /// `again` shows the list with the form and each problem beside its field.
    func addOnce(
        _ request: Request, _ context: BatonRequestContext, _ caller: Caller, _ values: [String: String], _ reader: FormReader,
        to page: (Int64) -> String, fields: Set<String>, aliases: [String: String] = [:],
        create: (Connection) async throws -> Int64, again: (AdminFormState, HTTPResponse.Status) async throws -> Response
    ) async throws -> Response {
        do {
            let id = try await formTransaction(reader) { db in
                try await Self.once(request, formKey: values["formKey"], values: values, caller: caller, db: db) { try await create(db) }
            }
            return WebSession.redirect(page(id) + "?saved=created")
        } catch {
            let problem = try adminRefusal(error, logger: context.logger)
            var form = AdminFormState(values)
            form.absorb(problem, fields: fields, aliases: aliases)
            return try await again(form, Self.status(of: problem))
        }
    }
}
