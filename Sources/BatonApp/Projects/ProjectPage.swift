import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// A project's page: phases as a timeline with due and done dates, the checklist
/// with who checked what, skill needs covered or not, staffing suggestions with an
/// Assign button, and the client's link.
struct ProjectPage {
    struct Phase { var id: Int64; var name, start, due: String; var done: String?; var state: String; var late, open: Bool }
    struct Item { var id: Int64; var text: String; var required, checked: Bool; var by: String }
    struct Need { var phase, skill, hours, assigned: String; var covered: Bool }
    /// A suggested person and the form that assigns them; after a refused post, the
    /// form that was sent shows what was typed and, beside the hours, the API's message.
    struct Candidate {
        var userId: Int64
        var name, reasons: String
        /// `assign-<user>-<start>`: the ids of this form's fields.
        var key: String
        var hours: String
        var allowOverbook: Bool
        var hasHoursError: Bool; var hoursError: String
        var hasFormError: Bool; var formError: String
    }
    struct Suggestion {
        var phaseId: Int64; var phase, skill, hours, start, end: String
        /// `start` and `end` as people read them (the form posts the ISO ones).
        var from, to: String
        var candidates: [Candidate]
    }
    /// A person on the project, with the form that changes their hours, dates or person,
    /// and the button that removes them; after a refused change, what was typed and why.
    struct Member {
        var id: Int64; var version: Int; var userName, role: String
        var start, end, hoursPerDay, hoursPerWeek: String
        /// The saved dates as people read them; the form's boxes hold `start` and `end`.
        var from, to: String
        var need: String; var hasNeed: Bool; var overbooked: Bool
        var people: [PersonOption]
        var hasError: Bool; var error: String
    }
    var project: ProjectRecord
    /// The project's status in words ("On hold", not `on_hold`), and who runs it.
    var status, manager: String
    var canManage: Bool
    var phases: [Phase]
    var checklist: [Item]
    var needs: [Need]
    var suggestions: [Suggestion]
    var assignments: [AssignmentRecord]
    var team: [Member]
    var site, accountName: String
    /// Sees the pipeline: the breadcrumbs link the account and the opportunity.
    var seesPipeline: Bool
    var error: String?
    /// The client's status link: whether one is live, the address of one just made
    /// (shown this once: only its hash is kept), and the form for a new one.
    var liveLinks: String; var hasLiveLinks: Bool
    var newLinkURL: String; var hasNewLink: Bool
    var linkForm: WebForm
    /// Its open tasks, with Done and "New task" (`ShowsTasks`).
    var tasks: [TaskSection] = []
    /// Assignments that overlap their person's approved time off (issue 18).
    var timeOffCollisions: [WorkingCalendarStore.Collision] = []
    var hasTimeOffCollisions = false
    /// The header edited in place by whoever runs the project (`Editing`).
    var editing = Editing()

    /// What the client-link part of the page shows after a post.
    struct Link {
        var newURL: String?
        var form: FormState?
    }

    /// What the page's forms show after a post: the client link's, an assignment
    /// refused (what was typed and why), or a refusal of the phases or checklist.
    struct Forms {
        var link = Link()
        var assigning: FormState?
        /// A refused change of one assignment: its id and what was typed.
        var changing: (id: Int64, form: FormState)?
        /// A message for the whole page (a flash, or a refused phase or checklist change).
        var message: String?
        /// The header's form as sent when it was refused; `conflict`: saved over a newer version.
        var details: FormState?
        var conflict = false
        /// A phase's move as sent when it was refused.
        var phaseMove: FormState?
    }

    /// What the manager edits in place: the header (name, manager, start) at its
    /// version, hold or resume, and a phase's new start.
    struct Editing {
        var details, phaseMove: WebForm?
        var hasConflict = false
        var conflict: [EditConflict] = []
        var saveLabel = "Save details"
        var canHold = false, canResume = false
    }

    /// The header's editable fields as the form holds them.
    static func values(of p: ProjectRecord) -> [String: String] {
        ["name": p.name, "projectManagerId": p.projectManagerId.map(String.init) ?? "", "start": p.start.description]
    }

    static let detailLabels: [(name: String, label: String)] = [
        ("name", "Name"), ("projectManagerId", "Project manager"), ("start", "Starts"),
    ]

    /// The header's form (what it showed remembered, for the conflict panel) and its
    /// phase-move form, drawn for whoever runs the project.
    static func editing(_ db: Connection, _ project: ProjectRecord, services: AppServices, forms: Forms) async throws -> Editing {
        let theirs = values(of: project), names = detailLabels.map(\.name)
        let details = FormState.details("project", saved: theirs, version: project.version, sent: forms.details,
                                        conflict: forms.conflict, fields: names)
        var managers = try await services.opportunities.proposalReviewers(db).map { (value: String($0.id), label: $0.name) }
        if let current = project.projectManagerId, !managers.contains(where: { $0.value == String(current) }) {
            managers.insert((String(current), try await services.users.findAny(db, id: current)?.name ?? "#\(current)"), at: 0)
        }
        let shownValues = forms.details == nil || forms.conflict ? theirs
            : Dictionary(uniqueKeysWithValues: names.map { ($0, details.value(EditConflict.prefix + $0)) })
        var editing = Editing()
        editing.details = details.form([
            details.text("name", "Name", required: true, maxlength: 200),
            details.select("projectManagerId", "Project manager", managers, required: true),
            details.text("start", "Starts", required: true, type: "date", hint: "The first phase moves there, and the later phases with it"),
        ], hidden: [.init(name: "version", value: details.value("version"))] + EditConflict.remembered(shownValues, names))
        editing.conflict = EditConflict.panel(detailLabels, sent: forms.details, conflict: forms.conflict, saved: theirs,
                                              version: project.version, noun: "project", discard: Site.project(project.id)) { name, value in
            switch name {
            case "projectManagerId": managers.first { $0.value == value }?.label ?? value
            case "start": CalendarDate(value).map(Formatting.date) ?? value
            default: value
            }
        }
        editing.hasConflict = !editing.conflict.isEmpty
        if editing.hasConflict { editing.saveLabel = "Save mine over theirs" }
        let open = project.phases.filter { $0.completedOn == nil }
        if !open.isEmpty {
            let move = forms.phaseMove ?? FormState("phase", values: ["phaseId": String(open[0].id), "start": open[0].start.description,
                                                                       "shiftFollowing": "true"])
            editing.phaseMove = move.form([
                move.select("phaseId", "Phase", open.map { (String($0.id), "\($0.name) (\(Formatting.date($0.start)) to \(Formatting.date($0.due)))") }),
                move.text("start", "New start", required: true, type: "date"),
                move.checkbox("shiftFollowing", "Move the later phases with it"),
            ])
        }
        editing.canHold = ["planned", "active"].contains(project.status)
        editing.canResume = project.status == "on_hold"
        return editing
    }

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices, forms: Forms = Forms()) async throws -> ProjectPage? {
        guard let project = try await services.projects.find(db, id: id, visibleTo: caller) else { return nil }
        let today = Timestamp.now.calendarDate
        let canManage = try await services.delivery.canManage(db, caller: caller, projectManagerID: project.projectManagerId)
        let phases = project.phases.map { p -> Phase in
            let state = ProjectProgress.phaseState(
                PhaseState(id: p.id, position: 0, name: p.name, start: p.start, due: p.due, completedOn: p.completedOn), today: today)
            return Phase(id: p.id, name: p.name, start: Formatting.date(p.start), due: Formatting.date(p.due), done: p.completedOn.map(Formatting.date),
                         state: state, late: state == "late" || p.onTime == false, open: p.completedOn == nil)
        }
        var names: [Int64: String] = [:]
        func name(_ id: Int64?) async throws -> String {
            guard let id else { return "" }
            if let known = names[id] { return known }
            let n = try await services.users.findAny(db, id: id)?.name ?? "#\(id)"
            names[id] = n
            return n
        }
        var checklist: [Item] = []
        for item in project.checklist {
            checklist.append(Item(id: item.id, text: item.text, required: item.required, checked: item.checked,
                                  by: item.checked ? try await name(item.checkedBy) : ""))
        }
        let phaseNames = Dictionary(uniqueKeysWithValues: project.phases.map { ($0.id, $0.name) })
        let needs = project.skillNeeds.map {
            Need(phase: phaseNames[$0.phaseId] ?? "", skill: $0.skill, hours: $0.hours.description, assigned: $0.assignedHours.description,
                 covered: $0.assignedHours.value >= $0.hours.value)
        }
        var pageMessages = forms.message.map { [$0] } ?? []
        var assignShown = false
        var suggestions: [Suggestion] = []
        if canManage {
            for need in try await services.staffing.suggestions(db, projectID: id, accountID: project.accountId) {
                let start = need.start.description
                let candidates = need.candidates.prefix(3).map { c -> Candidate in
                    let key = "assign-\(c.userId)-\(start)"
                    guard let typed = forms.assigning, typed.value("userId") == String(c.userId), typed.value("start") == start else {
                        return Candidate(userId: c.userId, name: c.name, reasons: c.reasons.joined(separator: ", "), key: key, hours: "20",
                                         allowOverbook: false, hasHoursError: false, hoursError: "", hasFormError: false, formError: "")
                    }
                    assignShown = true
                    let others = typed.messages + typed.errors.filter { $0.key != "hoursPerWeek" }.sorted { $0.key < $1.key }.map(\.value)
                    return Candidate(userId: c.userId, name: c.name, reasons: c.reasons.joined(separator: ", "), key: key,
                                     hours: typed.value("hoursPerWeek"), allowOverbook: typed.value("allowOverbook") == "true",
                                     hasHoursError: typed.errors["hoursPerWeek"] != nil, hoursError: typed.errors["hoursPerWeek"] ?? "",
                                     hasFormError: !others.isEmpty, formError: others.joined(separator: " "))
                }
                guard !candidates.isEmpty else { continue }
                let open = max(0, need.hours.value - need.assignedHours.value)
                suggestions.append(Suggestion(phaseId: need.phaseId, phase: need.phase, skill: need.skill, hours: open.plainText, start: start,
                                              end: need.due.adding(days: -1).description, from: Formatting.date(need.start),
                                              to: Formatting.date(need.due.adding(days: -1)), candidates: candidates))
            }
        }
        // A refused assignment whose suggestion is no longer listed still says why, at the top.
        if let typed = forms.assigning, !assignShown {
            pageMessages += typed.messages + typed.errors.sorted { $0.key < $1.key }.map(\.value)
        }
        let assignments = project.assignments ?? []
        let everyone = canManage ? try await services.users.activeChoices(db, visibleTo: caller) : []
        let team = assignments.map { a -> Member in
            let typed = forms.changing.flatMap { $0.id == a.id ? $0.form : nil }
            let messages = typed.map { $0.messages + $0.errors.sorted { $0.key < $1.key }.map(\.value) } ?? []
            let person = typed.flatMap { Int64($0.value("userId")) } ?? a.userId
            return Member(id: a.id, version: a.version, userName: a.userName, role: a.role,
                          start: typed?.value("start") ?? a.start.description, end: typed?.value("end") ?? a.end.description,
                          hoursPerDay: typed?.value("hoursPerDay") ?? a.hoursPerDay.description, hoursPerWeek: a.hoursPerWeek.description,
                          from: Formatting.date(a.start), to: Formatting.date(a.end),
                          need: a.skill.map { skill in "\(skill), \(phaseNames[a.phaseId ?? 0] ?? "")" } ?? "",
                          hasNeed: a.skill != nil, overbooked: a.overbooked,
                          // The person on it is always a choice, even one outside the caller's view of the firm.
                          people: UserStore.personOptions(everyone, current: (a.userId, a.userName), selected: person),
                          hasError: !messages.isEmpty, error: messages.joined(separator: " "))
        }
        let client = try await services.projects.client(db, accountID: project.accountId)
        var liveLinks = ""
        if canManage, let live = try await services.delivery.liveStatusLinks(db, projectID: id, today: today) {
            liveLinks = (live.count == 1 ? "One link is live" : "\(live.count) links are live")
                + (live.forever ? ", without an end date." : live.until.map { ", until \($0)." } ?? ".")
        }
        let form = forms.link.form ?? FormState("link", values: ["expiresOn": today.adding(days: 90).description])
        let linkForm = form.form(canManage ? [
            form.text("expiresOn", "Expires on", type: "date", hint: "Leave empty for a link that lasts until it is revoked"),
        ] : [])
        let collisions = try await WorkingCalendarStore().collisions(db, projectID: project.id)
        var page = ProjectPage(project: project, status: Formatting.label(project.status), manager: try await name(project.projectManagerId), canManage: canManage, phases: phases,
                           checklist: checklist, needs: needs, suggestions: suggestions, assignments: assignments, team: team,
                           site: client?.site ?? "", accountName: client?.name ?? "Account", seesPipeline: PipelineAccess.canRead(caller.roles),
                           error: pageMessages.isEmpty ? nil : pageMessages.joined(separator: " "), liveLinks: liveLinks,
                           hasLiveLinks: !liveLinks.isEmpty, newLinkURL: forms.link.newURL ?? "", hasNewLink: forms.link.newURL != nil,
                           linkForm: linkForm)
        page.timeOffCollisions = collisions
        if canManage { page.editing = try await editing(db, project, services: services, forms: forms) }
        page.hasTimeOffCollisions = !collisions.isEmpty
        return page
    }
}

extension WebRoutes {
    /// The project's header, edited in place: only the fields the manager changed go to
    /// `DeliveryActions.changeDetails`, at the version the form was drawn from; a save
    /// over a newer version saves nothing and shows the fields each side changed.
    @Sendable func saveProjectDetails(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            return try await saveInPlace(
                form, prefix: "project", fields: ProjectPage.detailLabels.map(\.name), back: Site.project(id),
                through: DeliveryActions(services: services), caller: caller, id: id,
                saved: { try await services.projects.find($0, id: id, visibleTo: caller).map(ProjectPage.values) },
                read: { fields in
                    ProjectDetailsInput(name: form["name"], projectManagerId: fields.id("projectManagerId", "Project manager"),
                                        start: fields.date("start", "Starts"))
                },
                redraw: { try await projectPage(caller, token, id: id, forms: .init(details: $0, conflict: $1), status: $2) })
        }
    }

    /// `projects/:id/edit/hold`, `…/resume` (the API's hold and resume) and
    /// `…/move-phase` (the API's PATCH of a phase's start, the later phases along when ticked).
    @Sendable func projectEditForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            let actions = DeliveryActions(services: services)
            switch context.parameters.get("action") {
            case "hold", "resume":
                let hold = context.parameters.get("action") == "hold"
                do {
                    _ = try await services.pool.withTransaction { db in
                        hold ? try await actions.hold(db, caller: caller, projectID: id) : try await actions.resume(db, caller: caller, projectID: id)
                    }
                } catch {
                    guard let failure = FormFailure(error) else { throw error }
                    return try await projectPage(caller, token, id: id, forms: .init(message: failure.messages.joined(separator: " ")),
                                                 status: failure.status)
                }
                return WebSession.redirect(Site.project(id))
            case "move-phase":
                var reader = FormReader(form)
                let phaseID = reader.id("phaseId", "Phase"), start = reader.date("start", "New start")
                do {
                    _ = try await formTransaction(reader) { db in
                        guard let phaseID, let start else { throw APIError.internalError }
                        return try await actions.movePhase(db, caller: caller, projectID: id, phaseID: phaseID, start: start,
                                                           shiftFollowing: form["shiftFollowing"] == "true")
                    }
                } catch {
                    guard let failure = FormFailure(error) else { throw error }
                    return try await projectPage(caller, token, id: id, forms: .init(phaseMove: FormState("phase", typed: form, failure: failure)),
                                                 status: failure.status)
                }
                return WebSession.redirect(Site.project(id))
            default: return notFound()
            }
        }
    }
}
