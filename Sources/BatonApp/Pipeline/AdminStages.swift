import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/stages` and `/admin/stages/{key}`: the pipeline's stages in order; add,
/// change, and delete one no opportunity uses. Changes go through `StageActions`, as
/// `/pipeline-stages` does.
struct StagesPage {
    /// A stage as stored, with its forecast category and what it closes as in words,
    /// and how many deals and history entries use it.
    struct Row {
        var stage: StageRecord
        var category, closes: String
        var inUse: Int
    }
    var tabs: [AdminTab]
    var rows: [Row]
    var fields: [AdminField]
    var messages: [String]
    var notice: String?
}

struct StagePage {
    var tabs: [AdminTab]
    var key, name: String
    var inUse: Int
    var version: String
    var fields: [AdminField]
    var messages: [String]
    var conflict: AdminConflict?
    var notice: String?
}

extension WebRoutes {
    static let stageFields: Set<String> = ["key", "name", "order", "probability", "forecastCategory", "usualDays", "isWon", "isLost"]

    static func categoryTitle(_ c: ForecastCategory) -> String {
        switch c {
        case .pipeline: "Pipeline"
        case .bestCase: "Best case"
        case .commit: "Commit"
        case .closed: "Closed"
        case .omitted: "Omitted"
        }
    }


    @Sendable func showAdminStages(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            try await stagesPage(request, caller, token, form: nil, status: .ok)
        }
    }

    @Sendable func addStageForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            var reader = StageFormReader(values)
            var input = StageInput(key: values["key"]?.trimmed ?? "", name: values["name"] ?? "",
                                   isWon: values["isWon"] == "on", isLost: values["isLost"] == "on")
            input.order = reader.wholeNumber("order")
            input.probability = reader.decimal("probability")
            input.forecastCategory = reader.category("forecastCategory")
            input.usualDays = reader.wholeNumber("usualDays")
            do {
                _ = try await services.pool.withTransaction { db in
                    try reader.throwIfUnreadable()
                    return try await StageActions(services: services).create(db, caller: caller, input: input)
                }
                return WebSession.redirect(Site.adminStages() + "?saved=created")
            } catch {
                let problem = try Self.refusal(error, context)
                var form = AdminFormState(values)
                form.absorb(problem, fields: Self.stageFields, taken: "key")
                return try await stagesPage(request, caller, token, form: form, status: Self.status(of: problem))
            }
        }
    }

    @Sendable func showAdminStage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            try await stagePage(request, caller, token, key: context.parameters.get("key") ?? "", form: nil, status: .ok)
        }
    }

    /// Saves every field the form shows; an emptied one is "must not be null", as in the API.
    @Sendable func saveStageForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            let key = context.parameters.get("key") ?? ""
            var reader = StageFormReader(values)
            var input = StageInput(name: values["name"] ?? "", isWon: values["isWon"] == "on", isLost: values["isLost"] == "on")
            input.order = reader.wholeNumber("order")
            input.probability = reader.decimal("probability")
            input.forecastCategory = reader.category("forecastCategory")
            input.usualDays = reader.wholeNumber("usualDays")
            let keys: Set<String> = ["name", "order", "probability", "forecastCategory", "usualDays", "isWon", "isLost"]
            // A form without its version can only be stale: it never matches.
            let version = Int(values["version"] ?? "") ?? -1
            do {
                _ = try await services.pool.withTransaction { db in
                    try reader.throwIfUnreadable()
                    return try await StageActions(services: services).change(db, caller: caller, key: key, expected: version,
                                                                             input: input, keys: keys)
                }
                return WebSession.redirect(Site.adminStage(key) + "?saved=1")
            } catch {
                let problem = try Self.refusal(error, context)
                var form = AdminFormState(values)
                if problem.status == .preconditionFailed { form.conflict = AdminConflict([]) } else { form.absorb(problem, fields: Self.stageFields) }
                return try await stagePage(request, caller, token, key: key, form: form, status: Self.status(of: problem))
            }
        }
    }

    @Sendable func deleteStageForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            let key = context.parameters.get("key") ?? ""
            do {
                try await services.pool.withTransaction { db in
                    try await StageActions(services: services).delete(db, caller: caller, key: key,
                                                                      expected: Int(values["version"] ?? "") ?? -1)
                }
                return WebSession.redirect(Site.adminStages() + "?saved=deleted")
            } catch {
                let problem = try Self.refusal(error, context)
                var form = AdminFormState()
                form.messages = [problem.detail]
                return try await stagePage(request, caller, token, key: key, form: form, status: Self.status(of: problem))
            }
        }
    }

    /// A stage action's refusal as the API states it (status, code, each field's
    /// message), for the form to show; our own faults are thrown on to the error page.
    static func refusal(_ error: any Error, _ context: BatonRequestContext) throws -> APIError {
        let problem = ProblemMiddleware<BatonRequestContext>.problem(for: error, logger: context.logger)
        if problem.status.code >= 500 { throw error }
        return problem
    }

    static func stageValues(_ s: StageRecord) -> [String: String] {
        ["name": s.name, "order": String(s.order), "probability": s.probability.description, "forecastCategory": s.forecastCategory.rawValue,
         "usualDays": String(s.usualDays), "isWon": s.isWon ? "on" : "", "isLost": s.isLost ? "on" : "", "version": String(s.version)]
    }

    static func categoryOptions() -> [(value: String, label: String)] {
        ForecastCategory.allCases.map { ($0.rawValue, categoryTitle($0)) }
    }

    static func stageFields(_ form: AdminFormState, withKey: Bool) -> [AdminField] {
        var fields: [AdminField] = []
        if withKey {
            fields.append(AdminField.text("key", "Key", form).hinted("Lowercase letters, digits and underscores; it cannot change later"))
        }
        fields += [
            AdminField.text("name", "Name", form),
            AdminField.number("order", "Order", form).hinted("Stages are shown by this number, lowest first"),
            AdminField.number("probability", "Probability (%)", form),
            AdminField.select("forecastCategory", "Forecast category", form, options: categoryOptions()),
            AdminField.number("usualDays", "Usual days in stage", form).hinted("The board marks cards that stay longer"),
            AdminField.checkbox("isWon", "Closes the deal as won", form),
            AdminField.checkbox("isLost", "Closes the deal as lost", form),
        ]
        return fields
    }

    private func stagesPage(_ request: Request, _ caller: Caller, _ token: String, form: AdminFormState?, status: HTTPResponse.Status) async throws -> Response {
        let rows = try await services.pool.withConnection { db in
            var rows: [StagesPage.Row] = []
            for s in try await services.stages.all(db) {
                rows.append(StagesPage.Row(
                    stage: s, category: Self.categoryTitle(s.forecastCategory), closes: s.isWon ? "won" : s.isLost ? "lost" : "",
                    inUse: try await services.stages.isInUse(db, key: s.key)))
            }
            return rows
        }
        let nextOrder = (rows.filter { $0.closes.isEmpty }.map(\.stage.order).max() ?? 0) + 1
        let state = form ?? AdminFormState(["order": String(nextOrder), "forecastCategory": "pipeline", "usualDays": "30"])
        let body = StagesPage(tabs: adminTabs(.admin, current: Site.adminStages()), rows: rows, fields: Self.stageFields(state, withKey: true),
                              messages: state.messages, notice: Self.notice(request))
        return renderer.page("admin-stages", Page(frame: frame(caller, sessionToken: token, title: "Pipeline stages", area: "admin"), body: body),
                             status: status)
    }

    private func stagePage(_ request: Request, _ caller: Caller, _ token: String, key: String, form: AdminFormState?,
                           status: HTTPResponse.Status) async throws -> Response {
        let found = try await services.pool.withConnection { db -> (StageRecord, Int)? in
            guard let stage = try await services.stages.find(db, key: key) else { return nil }
            return (stage, try await services.stages.isInUse(db, key: key))
        }
        guard let (stage, inUse) = found else { return notFoundPage() }
        let saved = Self.stageValues(stage)
        var state = form.map { f in f.values.isEmpty ? AdminFormState(saved).with(messages: f.messages) : f } ?? AdminFormState(saved)
        if form == nil || state.conflict != nil || state.values["version"] == nil { state.values["version"] = saved["version"] }
        if state.conflict != nil {
            func show(_ v: [String: String]) -> [String] {
                [v["name"] ?? "", v["order"] ?? "", v["probability"] ?? "",
                 ForecastCategory(rawValue: v["forecastCategory"] ?? "").map(Self.categoryTitle) ?? (v["forecastCategory"] ?? ""),
                 v["usualDays"] ?? "", v["isWon"] == "on" ? "yes" : "no", v["isLost"] == "on" ? "yes" : "no"]
            }
            let labels = ["Name", "Order", "Probability (%)", "Forecast category", "Usual days", "Won", "Lost"]
            let theirs = show(saved), mine = show(state.values)
            state.conflict = AdminConflict(labels.indices.map { (labels[$0], theirs[$0], mine[$0]) })
        }
        let body = StagePage(tabs: adminTabs(.admin, current: Site.adminStages()), key: stage.key, name: stage.name, inUse: inUse,
                             version: state["version"], fields: Self.stageFields(state, withKey: false), messages: state.messages,
                             conflict: state.conflict, notice: Self.notice(request))
        return renderer.page("admin-stage", Page(frame: frame(caller, sessionToken: token, title: stage.name, area: "admin"), body: body),
                             status: status)
    }
}

extension AdminFormState {
    fileprivate func with(messages: [String]) -> AdminFormState {
        var copy = self
        copy.messages = messages
        return copy
    }
}

/// Reads the stage form's numbers and choice as the API's decoder would: text that is
/// not a whole number, a decimal or a category is that field's error, in the words
/// the API uses for the same value, and the form reaches no rule until it reads.
struct StageFormReader {
    let values: [String: String]
    var problems = Validator()

    init(_ values: [String: String]) { self.values = values }

    mutating func wholeNumber(_ name: String) -> Int? {
        guard let text = values[name]?.adminValue else { return nil }
        guard let n = Int(text) else {
            problems.add(name, "Must be a whole number")
            return nil
        }
        return n
    }

    mutating func decimal(_ name: String) -> DecimalString? {
        guard let text = values[name]?.adminValue else { return nil }
        guard let d = Decimal(typed: text) else {
            problems.add(name, "Must be a decimal number, like 12.5")
            return nil
        }
        return DecimalString(d)
    }

    mutating func category(_ name: String) -> ForecastCategory? {
        guard let text = values[name]?.adminValue else { return nil }
        guard let c = ForecastCategory(rawValue: text) else {
            problems.add(name, "Must be one of " + ForecastCategory.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        return c
    }

    func throwIfUnreadable() throws { try problems.throwIfInvalid() }
}
