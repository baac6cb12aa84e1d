import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/people`, `/admin/people/{id}` and `/admin/skills`: people with their roles,
/// manager, capacity and skills; the skill catalog. Changes go through `PersonActions`,
/// as the API's do.
struct PeoplePage {
    /// A person with their roles, manager and skills in words.
    struct Row {
        var person: UserRecord
        var roles, manager, skills: String
    }
    var tabs: [AdminTab]
    var rows: [Row]
    var q, next: String
    var hasNext, canAdd: Bool
    var fields: [AdminField]
    var messages: [String]
    var notice: String?
    var formKey: String
}

struct PersonPage {
    struct SkillRow {
        var index: Int
        var skill, level: AdminField
        var existing, remove: Bool
    }
    var tabs: [AdminTab]
    var person: UserRecord
    /// In words: the roles, the manager's name ("No manager"), the skills with their levels.
    var roles, manager, skillsText: String
    var canEdit: Bool
    /// The version the form was read at (a conflict's form keeps the one it was sent with).
    var version: String
    var fields: [AdminField]
    var messages: [String]
    var conflict: AdminConflict?
    var canSetSkills: Bool
    var skillRows: [SkillRow]
    var skillMessages, skillNames: [String]
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
    static let personFields: Set<String> = ["name", "email", "roles", "managerId", "weeklyCapacityHours", "homeLocation", "password",
                                            "currentPassword", "active"]


    @Sendable func showPeople(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context) { caller, token, area in
            var form = AdminFormState(["weeklyCapacityHours": "40"])
            form.values["roles-consultant"] = "on"
            return try await peoplePage(request, caller, token, area, form: form, status: .ok)
        }
    }

    @Sendable func showPerson(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context) { caller, token, area in
            try await personPage(request, caller, token, area, id: try request.id(context), form: nil, skills: nil, status: .ok)
        }
    }

    @Sendable func showSkills(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            try await skillsPage(request, caller, token, form: AdminFormState(), status: .ok)
        }
    }

    /// A new person. The form's key makes a double post add them once.
    @Sendable func addPersonForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            var reader = FormReader(values)
            var input = Self.personInput(values, &reader)
            if let password = values["password"], !password.isEmpty { input.password = password }
            let typed = input
            return try await addOnce(request, context, caller, values, reader, to: { Site.adminPerson($0) }, fields: Self.personFields) { db in
                try await PersonActions(services: services).create(db, caller: caller, input: typed).id
            } again: { form, status in
                try await peoplePage(request, caller, token, area, form: form, status: status)
            }
        }
    }

    /// Saves the whole form at the version the page showed; the current password is
    /// asked for (and sent) only when admins change their own password, as the API asks.
    @Sendable func savePersonForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            let id = try request.id(context)
            var reader = FormReader(values)
            var input = Self.personInput(values, &reader)
            input.active = values["active"] == "on"
            var keys: Set<String> = ["name", "email", "roles", "managerId", "weeklyCapacityHours", "homeLocation", "active"]
            if let password = values["password"], !password.isEmpty {
                input.password = password
                keys.insert("password")
            }
            if let current = values["currentPassword"], !current.isEmpty {
                input.currentPassword = current
                keys.insert("currentPassword")
            }
            let typed = input, changed = keys
            // A form without its version can only be stale: it never matches.
            let version = Int(values["version"] ?? "") ?? -1
            let address = ClientAddress.current ?? context.remoteAddress
            do {
                _ = try await formTransaction(reader) { db in
                    try await PersonActions(services: services).change(
                        db, caller: caller, id: id, expected: version, input: typed, keys: changed, address: address)
                }
                return WebSession.redirect(Site.adminPerson(id) + "?saved=1")
            } catch {
                let problem = try adminRefusal(error, logger: context.logger)
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
    }

    /// The skills form: its filled rows, less those ticked for removal, become the
    /// person's skills; the action's `[i].skill` is the form's row it came from.
    @Sendable func savePersonSkillsForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            let id = try request.id(context)
            var items: [SkillLevelInput] = []
            var fields: Set<String> = []
            var aliases: [String: String] = [:]
            for row in 0..<Self.skillRowLimit {
                guard let skill = values["skill-\(row)"], !skill.trimmed.isEmpty, values["remove-\(row)"] != "on" else { continue }
                let sent = items.count
                // A level that is no number is one out of range, in the action's words.
                items.append(SkillLevelInput(skill: skill, level: Int((values["level-\(row)"] ?? "").trimmed) ?? 0))
                for part in ["skill", "level"] {
                    fields.insert(AdminFormState.key("\(part)-\(row)"))
                    aliases[AdminFormState.key("[\(sent)].\(part)")] = AdminFormState.key("\(part)-\(row)")
                }
            }
            let sent = items
            do {
                _ = try await services.pool.withTransaction { db in
                    try await PersonActions(services: services).setSkills(db, caller: caller, id: id, items: sent)
                }
                return WebSession.redirect(Site.adminPerson(id) + "?saved=skills")
            } catch {
                let problem = try adminRefusal(error, logger: context.logger)
                var form = AdminFormState(values)
                form.absorb(problem, fields: fields, aliases: aliases)
                return try await personPage(request, caller, token, area, id: id, form: nil, skills: form, status: Self.status(of: problem))
            }
        }
    }

    @Sendable func addSkillForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, values in
            guard area == .admin else { return forbidden() }
            let input = NewSkillInput(name: values["name"] ?? "")
            // A new skill has no page of its own: the list shows it.
            return try await addOnce(request, context, caller, values, FormReader(values), to: { _ in Site.adminSkills() }, fields: ["name"]) { db in
                try await PersonActions(services: services).addSkill(db, caller: caller, input: input).id
            } again: { form, status in
                try await skillsPage(request, caller, token, form: form, status: status)
            }
        }
    }

    /// The person form's boxes as the action's input. A manager or capacity that is no
    /// number is the field's message; empty boxes are absent (a change clears them).
    static func personInput(_ values: [String: String], _ reader: inout FormReader) -> PersonInput {
        var input = PersonInput()
        input.name = values["name"] ?? ""
        input.email = values["email"] ?? ""
        input.roles = Role.allCases.filter { values["roles-\($0.rawValue)"] == "on" }
        if let manager = values["managerId"]?.adminValue {
            if let id = Int64(manager) { input.managerId = id } else { reader.problems.add("managerId", "Manager must be an existing person") }
        }
        input.weeklyCapacityHours = reader.decimal("weeklyCapacityHours", "Weekly capacity")
        input.homeLocation = reader.optional("homeLocation")
        return input
    }

    /// Rows of the skills form: the person's skills and a few empty ones to add.
    static let skillRowLimit = 110

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
            PeoplePage.Row(person: u, roles: u.roles.map(\.title).joined(separator: ", "),
                           manager: u.managerId.flatMap { names[$0] } ?? "", skills: u.skills.map { "\($0.skill) \($0.level)" }.joined(separator: ", "))
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
        var fields = [
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
        if caller.id == user.id {
            // Changing one's own password asks for the current one, as the API does.
            fields.append(AdminField.text("currentPassword", "Current password", state, type: "password", autocomplete: "current-password")
                .hinted("Only to change your own password"))
        }
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
            tabs: adminTabs(area, current: "/admin/people"), person: user,
            roles: user.roles.map(\.title).joined(separator: ", "), manager: user.managerId.flatMap { names[$0] } ?? "No manager",
            skillsText: user.skills.map { "\($0.skill) \($0.level)" }.joined(separator: ", "),
            canEdit: area == .admin, version: state["version"], fields: fields, messages: state.messages, conflict: state.conflict,
            canSetSkills: canSetSkills, skillRows: skillRows, skillMessages: skillState.messages, skillNames: skillNames,
            notice: Self.notice(request))
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
