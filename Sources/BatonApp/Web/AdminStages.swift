import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/stages` and `/admin/stages/{key}`: the pipeline's stages in order; add,
/// change, and delete one no opportunity uses. Changes go through `/pipeline-stages`.
struct StagesPage {
    struct Row {
        var key: String
        var name: String
        var order: Int
        var probability: String
        var category: String
        var closes: String
        var usualDays: Int
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
    var key: String
    var name: String
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

    func registerAdminStages(on pages: RouterGroup<BatonRequestContext>, api: AdminAPI) {
        pages.get("admin/stages") { request, context in
            try await adminVisit(request, context, admins: true) { caller, token, _ in
                try await stagesPage(request, caller, token, form: nil, status: .ok)
            }
        }
        pages.post("admin/stages") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                guard area == .admin else { return forbidden() }
                var body: [String: Any] = ["key": values["key"]?.trimmed ?? "", "name": values["name"] ?? "",
                                           "isWon": values["isWon"] == "on", "isLost": values["isLost"] == "on"]
                if let order = values["order"]?.adminValue { body["order"] = adminWholeNumber(order) }
                if let p = values["probability"]?.adminValue { body["probability"] = p }
                if let c = values["forecastCategory"]?.adminValue { body["forecastCategory"] = c }
                if let d = values["usualDays"]?.adminValue { body["usualDays"] = adminWholeNumber(d) }
                let answer = try await api.send(.post, "pipeline-stages", body, context: context)
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/stages?saved=created") }
                var form = AdminFormState(values)
                form.absorb(problem, fields: Self.stageFields, taken: "key")
                return try await stagesPage(request, caller, token, form: form, status: Self.status(of: problem))
            }
        }
        pages.get("admin/stages/:key") { request, context in
            try await adminVisit(request, context, admins: true) { caller, token, _ in
                try await stagePage(request, caller, token, key: context.parameters.get("key") ?? "", form: nil, status: .ok)
            }
        }
        pages.post("admin/stages/:key") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                guard area == .admin else { return forbidden() }
                let key = context.parameters.get("key") ?? ""
                let body: [String: Any] = [
                    "name": values["name"] ?? "", "order": values["order"]?.adminValue.map(adminWholeNumber) ?? NSNull(),
                    "probability": values["probability"]?.adminValue ?? NSNull(),
                    "forecastCategory": values["forecastCategory"]?.adminValue ?? NSNull(),
                    "usualDays": values["usualDays"]?.adminValue.map(adminWholeNumber) ?? NSNull(),
                    "isWon": values["isWon"] == "on", "isLost": values["isLost"] == "on",
                ]
                let answer = try await api.send(.patch, "pipeline-stages/\(key.adminPathSegment)", body,
                                                version: Int(values["version"] ?? "") ?? -1, context: context)
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/stages/\(key.adminPathSegment)?saved=1") }
                var form = AdminFormState(values)
                if problem.status.code == 412 { form.conflict = AdminConflict([]) } else { form.absorb(problem, fields: Self.stageFields) }
                return try await stagePage(request, caller, token, key: key, form: form, status: Self.status(of: problem))
            }
        }
        pages.post("admin/stages/:key/delete") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                guard area == .admin else { return forbidden() }
                let key = context.parameters.get("key") ?? ""
                let answer = try await api.send(.delete, "pipeline-stages/\(key.adminPathSegment)", version: Int(values["version"] ?? "") ?? -1,
                                                context: context)
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/stages?saved=deleted") }
                var form = AdminFormState()
                form.messages = [problem.detail]
                return try await stagePage(request, caller, token, key: key, form: form, status: Self.status(of: problem))
            }
        }
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
                    key: s.key, name: s.name, order: s.order, probability: s.probability.description, category: Self.categoryTitle(s.forecastCategory),
                    closes: s.isWon ? "won" : s.isLost ? "lost" : "", usualDays: s.usualDays, inUse: try await services.stages.isInUse(db, key: s.key)))
            }
            return rows
        }
        let nextOrder = (rows.filter { $0.closes.isEmpty }.map(\.order).max() ?? 0) + 1
        let state = form ?? AdminFormState(["order": String(nextOrder), "forecastCategory": "pipeline", "usualDays": "30"])
        let body = StagesPage(tabs: adminTabs(.admin, current: "/admin/stages"), rows: rows, fields: Self.stageFields(state, withKey: true),
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
        let body = StagePage(tabs: adminTabs(.admin, current: "/admin/stages"), key: stage.key, name: stage.name, inUse: inUse,
                             version: state["version"], fields: Self.stageFields(state, withKey: false), messages: state.messages,
                             conflict: state.conflict, notice: Self.notice(request))
        return renderer.page("admin-stage", Page(frame: frame(caller, sessionToken: token, title: stage.name, area: "admin"), body: body),
                             status: status)
    }
}

extension AdminFormState {
    func with(messages: [String]) -> AdminFormState {
        var copy = self
        copy.messages = messages
        return copy
    }
}

extension String {
    /// The text as one segment of a path, escaped.
    var adminPathSegment: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}
