import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// The two staffing views (issue 18, item 6): a project's people × weeks, and the
/// firm's resources (every consultant × weeks) for managers. Every figure is a sum of
/// `WorkingCalendar.hours(on:)` and the assignments' hours per day (`StaffingGrid`).
struct StaffingView {
    struct Cell {
        var text, title, band: String
        var away, overbooked: Bool
    }
    struct Row { var name: String; var detail: String; var cells: [Cell] }

    var title: String
    var projectId: Int64?
    var weeks: [String]
    var rows: [Row]
    var empty: Bool
    /// The filters: a skill and a location, and the skills to choose from.
    var skill, location: String
    var skills: [Choice]
    var isResources: Bool

    static func cell(_ c: WeekCell, showProject: Bool) -> Cell {
        let hours = (showProject ? c.hours : c.assigned).rounded(scale: 2).plainText
        var title = "\(c.assigned.rounded(scale: 2).plainText) h assigned of \(c.working.rounded(scale: 2).plainText) h working"
        if let u = c.utilization { title += " (\(u)%)" }
        if c.away > 0 { title += "; \(c.away.rounded(scale: 2).plainText) h away (holiday or time off)" }
        if c.overbooked { title += "; overbooked" }
        let text = showProject ? (c.hours > 0 ? hours : "") : (c.utilization.map { "\($0)%" } ?? "–")
        return Cell(text: text, title: title, band: c.band, away: c.away > 0, overbooked: c.overbooked)
    }

    /// A project's people × the weeks from its start to its last due date: the hours on
    /// this project, time off shaded, overbooked weeks marked.
    static func project(_ db: Connection, project: ProjectRecord, services: AppServices) async throws -> StaffingView {
        let from = project.phases.map(\.start).min() ?? project.start
        let to = max(project.phases.map(\.due).max() ?? from, project.assignments?.map { $0.end.adding(days: 1) }.max() ?? from)
        let weeks = StaffingGrid.mondays(from: from, to: max(to, from.adding(days: 1)))
        let team = try await services.staffing.team(db, projectID: project.id)
        let grid = try await services.staffing.grid(db, people: team, weeks: weeks, projectID: project.id)
        return StaffingView(
            title: "Staffing: \(project.name)", projectId: project.id, weeks: weeks.map(Formatting.date),
            rows: grid.map { person, cells in Row(name: person.name, detail: person.location ?? "", cells: cells.map { cell($0, showProject: true) }) },
            empty: grid.isEmpty, skill: "", location: "", skills: [], isResources: false)
    }

    /// Every consultant × eight weeks from `from`'s week, utilization coloured, filtered
    /// by skill and location.
    static func resources(_ db: Connection, services: AppServices, from: CalendarDate, skill: String?, location: String?) async throws -> StaffingView {
        let weeks = StaffingGrid.mondays(from: from, to: Overbooking.weekStart(of: from).adding(days: 56))
        let people = try await services.staffing.deliveryPeople(db, skill: skill, location: location)
        let grid = try await services.staffing.grid(db, people: people, weeks: weeks, projectID: nil)
        let names = try await services.users.skillNames(db)
        return StaffingView(
            title: "Resources", projectId: nil, weeks: weeks.map(Formatting.date),
            rows: grid.map { person, cells in
                Row(name: person.name, detail: ([person.location ?? ""] + [person.skills.joined(separator: ", ")]).filter { !$0.isEmpty }
                        .joined(separator: " · "),
                    cells: cells.map { cell($0, showProject: false) })
            },
            empty: grid.isEmpty, skill: skill ?? "", location: location ?? "",
            skills: [Choice(value: "", label: "Any skill", selected: skill == nil)]
                + names.map { Choice(value: $0, label: $0, selected: $0.lowercased() == skill?.lowercased()) },
            isResources: true)
    }
}

extension WebRoutes {
    /// `/projects/:id/staffing`: for those who see the project.
    @Sendable func projectStaffing(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let id = try request.id(context)
        guard let body = try await services.pool.withConnection({ db -> StaffingView? in
            guard let project = try await services.projects.find(db, id: id, visibleTo: caller) else { return nil }
            return try await StaffingView.project(db, project: project, services: services)
        }) else { return notFound() }
        return renderer.page("staffing", Page(frame: frame(caller, sessionToken: token, title: body.title, area: "projects"), body: body))
    }

    /// `/resources?skill=&location=&from=`: for managers, project managers and admins.
    @Sendable func resources(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) else { return notFound() }
        let q = QueryParameters(request)
        let from = (try? q.date("from")).flatMap { $0 } ?? Timestamp.now.calendarDate
        let skill = q.string("skill")?.trimmed.nilIfEmpty
        let location = q.string("location")?.trimmed.nilIfEmpty
        let body = try await services.pool.withConnection {
            try await StaffingView.resources($0, services: services, from: from, skill: skill, location: location)
        }
        return renderer.page("resources", Page(frame: frame(caller, sessionToken: token, title: "Resources", area: "projects"), body: body))
    }
}
