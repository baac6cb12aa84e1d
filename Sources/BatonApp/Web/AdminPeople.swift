import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/people`, `/admin/people/{id}` and `/admin/skills`: people with their roles,
/// manager, capacity and skills; the skill catalog. Changes go through `/users` and
/// `/skills` (AdminAPI).
struct PeoplePage {
    struct Row {
        var id: Int64
        var name: String
        var email: String
        var roles: String
        var manager: String
        var capacity: String
        var active: Bool
        var skills: String
    }
    var tabs: [AdminTab]
    var rows: [Row]
    var q: String
    var next: String
    var hasNext: Bool
    var canAdd: Bool
    var fields: [AdminField]
    var messages: [String]
    var notice: String?
    var formKey: String
}

struct PersonPage {
    struct SkillRow {
        var index: Int
        var skill: AdminField
        var level: AdminField
        var existing: Bool
        var remove: Bool
    }
    var tabs: [AdminTab]
    var id: Int64
    var name: String
    var email: String
    var roles: String
    var manager: String
    var capacity: String
    var location: String
    var active: Bool
    var canEdit: Bool
    var version: String
    var fields: [AdminField]
    var messages: [String]
    var conflict: AdminConflict?
    var canSetSkills: Bool
    var skillRows: [SkillRow]
    var skillMessages: [String]
    var skillNames: [String]
    var skillsText: String
    var notice: String?
}

struct SkillsPage {
    struct Row { var id: Int64; var name: String; var holders: String; var count: Int }
    var tabs: [AdminTab]
    var rows: [Row]
    var next: String
    var hasNext: Bool
    var fields: [AdminField]
    var messages: [String]
    var notice: String?
    var formKey: String
}

extension WebRoutes {
    static let personFields: Set<String> = ["name", "email", "roles", "managerId", "weeklyCapacityHours", "homeLocation", "password", "active"]

    func registerAdminPeople(on pages: RouterGroup<BatonRequestContext>, api: AdminAPI) {
        pages.get("admin/people") { request, context in
            try await adminVisit(request, context) { caller, token, area in
                var form = AdminFormState(["weeklyCapacityHours": "40"])
                form.values["roles-consultant"] = "on"
                return try await peoplePage(request, caller, token, area, form: form, status: .ok)
            }
        }
        pages.post("admin/people") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                var body: [String: Any] = ["name": values["name"] ?? "", "email": values["email"] ?? "",
                                           "roles": Self.roles(in: values)]
                if let manager = values["managerId"]?.adminValue { body["managerId"] = adminWholeNumber(manager) }
                if let hours = values["weeklyCapacityHours"]?.adminValue { body["weeklyCapacityHours"] = hours }
                if let location = values["homeLocation"]?.adminValue { body["homeLocation"] = location }
                if let password = values["password"], !password.isEmpty { body["password"] = password }
                let answer = try await api.send(.post, "users", body, idempotencyKey: values["formKey"], context: context)
                if case .refused(let problem) = answer {
                    var form = AdminFormState(values)
                    form.absorb(problem, fields: Self.personFields)
                    return try await peoplePage(request, caller, token, area, form: form, status: Self.status(of: problem))
                }
                return WebSession.redirect("/admin/people/\(answer.createdID ?? 0)?saved=created")
            }
        }
        pages.get("admin/people/:id") { request, context in
            try await adminVisit(request, context) { caller, token, area in
                let id = try request.id(context)
                return try await personPage(request, caller, token, area, id: id, form: nil, skills: nil, status: .ok)
            }
        }
        pages.post("admin/people/:id") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                let id = try request.id(context)
                let version = Int(values["version"] ?? "")
                var body: [String: Any] = [
                    "name": values["name"] ?? "", "email": values["email"] ?? "", "roles": Self.roles(in: values),
                    "managerId": values["managerId"]?.adminValue.map(adminWholeNumber) ?? NSNull(),
                    "weeklyCapacityHours": values["weeklyCapacityHours"]?.adminValue ?? NSNull(),
                    "homeLocation": values["homeLocation"]?.adminValue ?? NSNull(),
                    "active": values["active"] == "on",
                ]
                if let password = values["password"], !password.isEmpty { body["password"] = password }
                let answer = try await api.send(.patch, "users/\(id)", body, version: version ?? -1, context: context)
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/people/\(id)?saved=1") }
                var form = AdminFormState(values)
                if problem.status.code == 412 {
                    form.values["version"] = nil  // the page puts the current version in
                    form.conflict = AdminConflict([])  // filled in with the saved values by the page
                } else {
                    form.absorb(problem, fields: Self.personFields)
                }
                return try await personPage(request, caller, token, area, id: id, form: form, skills: nil, status: Self.status(of: problem))
            }
        }
        pages.post("admin/people/:id/skills") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                let id = try request.id(context)
                var items: [[String: Any]] = []
                var fields: Set<String> = []
                var aliases: [String: String] = [:]
                for row in 0..<Self.skillRowLimit {
                    guard let skill = values["skill-\(row)"], !skill.trimmed.isEmpty, values["remove-\(row)"] != "on" else { continue }
                    let sent = items.count
                    items.append(["skill": skill, "level": adminWholeNumber(values["level-\(row)"] ?? "")])
                    for part in ["skill", "level"] {
                        fields.insert(AdminFormState.key("\(part)-\(row)"))
                        aliases[AdminFormState.key("[\(sent)].\(part)")] = AdminFormState.key("\(part)-\(row)")
                    }
                }
                let answer = try await api.send(.put, "users/\(id)/skills", items, context: context)
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/people/\(id)?saved=skills") }
                var form = AdminFormState(values)
                form.absorb(problem, fields: fields, aliases: aliases)
                return try await personPage(request, caller, token, area, id: id, form: nil, skills: form, status: Self.status(of: problem))
            }
        }
        pages.get("admin/skills") { request, context in
            try await adminVisit(request, context, admins: true) { caller, token, _ in
                try await skillsPage(request, caller, token, form: AdminFormState(), status: .ok)
            }
        }
        pages.post("admin/skills") { request, context in
            try await adminForm(request, context) { caller, token, area, values in
                guard area == .admin else { return forbidden() }
                let answer = try await api.send(.post, "skills", ["name": values["name"] ?? ""], idempotencyKey: values["formKey"], context: context)
                guard case .refused(let problem) = answer else { return WebSession.redirect("/admin/skills?saved=created") }
                var form = AdminFormState(values)
                form.absorb(problem, fields: ["name"])
                return try await skillsPage(request, caller, token, form: form, status: Self.status(of: problem))
            }
        }
    }

    /// Rows of the skills form: the person's skills and a few empty ones to add.
    static let skillRowLimit = 110

    static func roles(in values: [String: String]) -> [String] {
        Role.allCases.filter { values["roles-\($0.rawValue)"] == "on" }.map(\.rawValue)
    }

    static func roleOptions() -> [(value: String, label: String)] { Role.allCases.map { ($0.rawValue, $0.title) } }

    private func peoplePage(_ request: Request, _ caller: Caller, _ token: String, _ area: AdminArea, form: AdminFormState,
                            status: HTTPResponse.Status) async throws -> Response {
        let q = QueryParameters(request).string("q") ?? ""
        let pageRequest = try PageRequest.adminPage(request)
        let (list, choices) = try await services.pool.withConnection { db in
            (try await services.users.list(db, visibleTo: caller, filter: .init(text: q), page: pageRequest),
             try await services.users.choices(db, visibleTo: caller))
        }
        let names = Dictionary(uniqueKeysWithValues: choices.map { ($0.id, $0.name) })
        let rows = list.items.map { u in
            PeoplePage.Row(id: u.id, name: u.name, email: u.email, roles: u.roles.map(\.title).joined(separator: ", "),
                           manager: u.managerId.flatMap { names[$0] } ?? "", capacity: u.weeklyCapacityHours.description,
                           active: u.active, skills: u.skills.map { "\($0.skill) \($0.level)" }.joined(separator: ", "))
        }
        let managers = [("", "No manager")] + choices.filter(\.active).map { (String($0.id), $0.name) }
        let fields = [
            AdminField.text("name", "Name", form, autocomplete: "off"),
            AdminField.text("email", "Email", form, type: "email"),
            AdminField.checks("roles", "Roles", form, options: Self.roleOptions()),
            AdminField.select("managerId", "Manager", form, options: managers),
            AdminField.number("weeklyCapacityHours", "Weekly capacity (hours)", form),
            AdminField.text("homeLocation", "Home location", form).hinted("Where they start from when they travel to a client"),
            AdminField.text("password", "Initial password", form, type: "password", autocomplete: "new-password")
                .hinted("At least 8 characters; leave empty for someone who does not sign in"),
        ]
        let body = PeoplePage(tabs: adminTabs(area, current: "/admin/people"), rows: rows, q: q, next: list.nextCursor ?? "",
                              hasNext: list.nextCursor != nil, canAdd: area == .admin, fields: fields, messages: form.messages,
                              notice: Self.notice(request), formKey: Self.formKey())
        return renderer.page("admin-people", Page(frame: frame(caller, sessionToken: token, title: "People", area: "admin"), body: body),
                             status: status)
    }

    static func personValues(_ u: UserRecord) -> [String: String] {
        var values = ["name": u.name, "email": u.email, "managerId": u.managerId.map { String($0) } ?? "",
                      "weeklyCapacityHours": u.weeklyCapacityHours.description, "homeLocation": u.homeLocation ?? "",
                      "active": u.active ? "on" : "", "version": String(u.version)]
        for role in u.roles { values["roles-\(role.rawValue)"] = "on" }
        return values
    }

    /// The person's page: their record, the form to change it (admins), and their skills
    /// (admins and the managers above them, as `PUT /users/{id}/skills` allows).
    private func personPage(_ request: Request, _ caller: Caller, _ token: String, _ area: AdminArea, id: Int64, form: AdminFormState?,
                            skills: AdminFormState?, status: HTTPResponse.Status) async throws -> Response {
        let found = try await services.pool.withConnection { db -> (UserRecord, [UserStore.Choice], Bool, [String])? in
            guard let user = try await services.users.find(db, id: id, visibleTo: caller) else { return nil }
            let canSetSkills = caller.isAdmin ? true : try await services.users.isManager(db, managerID: caller.id, of: id)
            return (user, try await services.users.choices(db, visibleTo: caller), canSetSkills, try await services.users.skillNames(db))
        }
        guard let (user, choices, canSetSkills, skillNames) = found else { return notFoundPage() }
        let names = Dictionary(uniqueKeysWithValues: choices.map { ($0.id, $0.name) })
        let saved = Self.personValues(user)
        var state = form ?? AdminFormState(saved)
        if form == nil || state.conflict != nil { state.values["version"] = saved["version"] }
        if state.conflict != nil {
            func show(_ v: [String: String]) -> [String] {
                [v["name"] ?? "", v["email"] ?? "",
                 Role.allCases.filter { v["roles-\($0.rawValue)"] == "on" }.map(\.title).joined(separator: ", "),
                 (v["managerId"].flatMap { Int64($0) }.flatMap { names[$0] }) ?? "No manager",
                 v["weeklyCapacityHours"] ?? "", v["homeLocation"] ?? "", v["active"] == "on" ? "yes" : "no"]
            }
            let labels = ["Name", "Email", "Roles", "Manager", "Weekly capacity", "Home location", "Active"]
            let theirs = show(saved), mine = show(state.values)
            state.conflict = AdminConflict(labels.indices.map { (labels[$0], theirs[$0], mine[$0]) })
        }
        let managers = [("", "No manager")] + choices.filter { $0.active || $0.id == user.managerId }.map { (String($0.id), $0.name) }
        let fields = [
            AdminField.text("name", "Name", state),
            AdminField.text("email", "Email", state, type: "email"),
            AdminField.checks("roles", "Roles", state, options: Self.roleOptions()),
            AdminField.select("managerId", "Manager", state, options: managers),
            AdminField.number("weeklyCapacityHours", "Weekly capacity (hours)", state),
            AdminField.text("homeLocation", "Home location", state),
            AdminField.checkbox("active", "Active (may sign in and be staffed)", state),
            AdminField.text("password", "New password", state, type: "password", autocomplete: "new-password")
                .hinted("Leave empty to keep the current one; a new one signs them out everywhere"),
        ]
        // Skills: what the person has, then empty rows to add more.
        var skillState = skills ?? AdminFormState()
        if skills == nil {
            for (i, s) in user.skills.enumerated() {
                skillState.values["skill-\(i)"] = s.skill
                skillState.values["level-\(i)"] = String(s.level)
            }
        }
        let existing = skills == nil ? user.skills.count
            : (0..<Self.skillRowLimit).last { skillState.values["existing-\($0)"] == "on" }.map { $0 + 1 } ?? 0
        var lastTyped = existing
        for row in 0..<Self.skillRowLimit where !(skillState.values["skill-\(row)"] ?? "").isEmpty { lastTyped = max(lastTyped, row + 1) }
        let rowCount = min(Self.skillRowLimit, max(lastTyped, existing) + 2)
        let levels = (1...5).map { (String($0), String($0)) }
        let skillRows = (0..<rowCount).map { row in
            PersonPage.SkillRow(
                index: row,
                skill: AdminField.text("skill-\(row)", "Skill", skillState, prefix: "s-"),
                level: AdminField.select("level-\(row)", "Level", skillState, options: levels, prefix: "s-"),
                existing: row < existing, remove: skillState.values["remove-\(row)"] == "on")
        }
        let body = PersonPage(
            tabs: adminTabs(area, current: "/admin/people"), id: user.id, name: user.name, email: user.email,
            roles: user.roles.map(\.title).joined(separator: ", "), manager: user.managerId.flatMap { names[$0] } ?? "No manager",
            capacity: user.weeklyCapacityHours.description, location: user.homeLocation ?? "", active: user.active,
            canEdit: area == .admin, version: state["version"], fields: fields, messages: state.messages, conflict: state.conflict,
            canSetSkills: canSetSkills, skillRows: skillRows, skillMessages: skillState.messages, skillNames: skillNames,
            skillsText: user.skills.map { "\($0.skill) \($0.level)" }.joined(separator: ", "), notice: Self.notice(request))
        return renderer.page("admin-person", Page(frame: frame(caller, sessionToken: token, title: user.name, area: "admin"), body: body),
                             status: status)
    }

    private func skillsPage(_ request: Request, _ caller: Caller, _ token: String, form: AdminFormState,
                            status: HTTPResponse.Status) async throws -> Response {
        let pageRequest = try PageRequest.adminPage(request)
        let (list, holders) = try await services.pool.withConnection { db in
            let list = try await services.users.listSkills(db, page: pageRequest)
            return (list, try await services.users.holders(db, skillIDs: list.items.map(\.id)))
        }
        let rows = list.items.map { s in
            let people = holders[s.id] ?? []
            return SkillsPage.Row(id: s.id, name: s.name, holders: people.map { "\($0.name) (\($0.level))" }.joined(separator: ", "),
                                  count: people.count)
        }
        let body = SkillsPage(tabs: adminTabs(.admin, current: "/admin/skills"), rows: rows, next: list.nextCursor ?? "",
                              hasNext: list.nextCursor != nil, fields: [AdminField.text("name", "Skill", form)],
                              messages: form.messages, notice: Self.notice(request), formKey: Self.formKey())
        return renderer.page("admin-skills", Page(frame: frame(caller, sessionToken: token, title: "Skills", area: "admin"), body: body),
                             status: status)
    }
}
