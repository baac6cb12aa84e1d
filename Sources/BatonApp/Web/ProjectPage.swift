import BatonCore
import Dates
import Foundation
import Postgres

/// A project's page: phases as a timeline with due and done dates, the checklist
/// with who checked what, skill needs covered or not, staffing suggestions with an
/// Assign button, and the client's link.
struct ProjectPage {
    struct Phase { var id: Int64; var name: String; var start: String; var due: String; var done: String?; var state: String; var late: Bool; var open: Bool }
    struct Item { var id: Int64; var text: String; var required: Bool; var checked: Bool; var by: String }
    struct Need { var phase: String; var skill: String; var hours: String; var assigned: String; var covered: Bool }
    struct Candidate { var userId: Int64; var name: String; var reasons: String }
    struct Suggestion { var phase: String; var skill: String; var hours: String; var start: String; var end: String; var candidates: [Candidate] }
    var project: ProjectRecord
    var manager: String
    var canManage: Bool
    var phases: [Phase]
    var checklist: [Item]
    var needs: [Need]
    var suggestions: [Suggestion]
    var assignments: [AssignmentRecord]
    var site: String
    var accountName: String
    /// Sees the pipeline: the breadcrumbs link the account and the opportunity.
    var seesPipeline: Bool
    var error: String?
    /// The client's status link: whether one is live, the address of one just made
    /// (shown this once: only its hash is kept), and the form for a new one.
    var liveLinks: String
    var hasLiveLinks: Bool
    var newLinkURL: String
    var hasNewLink: Bool
    var linkForm: WebForm

    /// What the client-link part of the page shows after a post.
    struct Link {
        var newURL: String?
        var form: FormState?
    }

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices, link: Link = Link()) async throws -> ProjectPage? {
        guard let project = try await services.projects.find(db, id: id, visibleTo: caller) else { return nil }
        let today = Timestamp.now.calendarDate
        let canManage = try await services.delivery.canManage(db, caller: caller, projectManagerID: project.projectManagerId)
        let phases = project.phases.map { p -> Phase in
            let state = ProjectProgress.phaseState(
                PhaseState(id: p.id, position: 0, name: p.name, start: p.start, due: p.due, completedOn: p.completedOn), today: today)
            return Phase(id: p.id, name: p.name, start: p.start.description, due: p.due.description, done: p.completedOn?.description,
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
        var suggestions: [Suggestion] = []
        if canManage {
            for need in try await services.staffing.suggestions(db, projectID: id, accountID: project.accountId) {
                suggestions.append(Suggestion(
                    phase: need.phase, skill: need.skill, hours: need.hours.description, start: need.start.description,
                    end: need.due.adding(days: -1).description,
                    candidates: need.candidates.prefix(3).map { Candidate(userId: $0.userId, name: $0.name, reasons: $0.reasons.joined(separator: ", ")) }))
            }
        }
        let client = try await db.query("""
            SELECT name, concat_ws(', ', nullif(street, ''), nullif(city, ''), nullif(region, '')) AS site FROM accounts WHERE id = \(project.accountId)
            """).first
        let site = try client?.decode("site", as: String?.self) ?? nil
        let accountName = try client?.decode("name", as: String.self) ?? "Account"
        var liveLinks = ""
        if canManage, let row = try await db.query("""
            SELECT count(*) AS n, bool_or(expires_on IS NULL) AS forever, max(expires_on) AS until FROM project_status_links
            WHERE project_id = \(id) AND revoked_at IS NULL AND (expires_on IS NULL OR expires_on >= \(today))
            """).first, try row.decode("n", as: Int.self) > 0 {
            let n: Int = try row.decode("n")
            let forever: Bool = try row.decode("forever")
            let until: CalendarDate? = try row.decode("until")
            liveLinks = (n == 1 ? "One link is live" : "\(n) links are live")
                + (forever ? ", without an end date." : until.map { ", until \($0)." } ?? ".")
        }
        let form = link.form ?? FormState("link", values: ["expiresOn": today.adding(days: 90).description])
        let linkForm = form.form(canManage ? [
            form.text("expiresOn", "Expires on", type: "date", hint: "Leave empty for a link that lasts until it is revoked"),
        ] : [])
        return ProjectPage(project: project, manager: try await name(project.projectManagerId), canManage: canManage, phases: phases,
                           checklist: checklist, needs: needs, suggestions: suggestions, assignments: project.assignments ?? [],
                           site: site ?? "", accountName: accountName, seesPipeline: PipelineAccess.canRead(caller.roles), error: nil, liveLinks: liveLinks, hasLiveLinks: !liveLinks.isEmpty,
                           newLinkURL: link.newURL ?? "", hasNewLink: link.newURL != nil, linkForm: linkForm)
    }
}
