import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// What a client's status link shows: who, what and when. Built from a query
/// that selects no amount, no note and nothing of any other project, so the page
/// cannot leak what it never had.
struct ClientStatusPage {
    struct Person { var name: String; var role: String }
    struct Phase { var name: String; var start: String; var due: String; var state: String; var late: Bool; var done: Bool }
    var project: String
    var client: String
    var status: String
    var people: [Person]
    var scope: [String]
    var phases: [Phase]
    var today: String

    /// nil when the project is gone (deleted since its link was looked up).
    static func build(_ db: Connection, projectID: Int64, delivery: DeliveryStore, today: CalendarDate) async throws -> ClientStatusPage? {
        guard let head = try await db.query("""
            SELECT j.name, j.status, c.name AS client, pm.name AS pm
            FROM projects j JOIN accounts c ON c.id = j.account_id LEFT JOIN users pm ON pm.id = j.project_manager_id
            WHERE j.id = \(projectID)
            """).first
        else { return nil }
        var people: [Person] = []
        if let pm: String = try head.decode("pm") { people.append(Person(name: pm, role: "Project manager")) }
        for row in try await db.query("""
            SELECT DISTINCT u.name, a.role FROM assignments a JOIN users u ON u.id = a.user_id
            WHERE a.project_id = \(projectID) ORDER BY u.name, a.role
            """) {
            people.append(Person(name: try row.decode("name"), role: try row.decode("role")))
        }
        let scope: [String] = try await db.query("""
            SELECT coalesce(t.name, l.description) AS item FROM projects j
            JOIN proposal_lines l ON l.proposal_id = j.proposal_id LEFT JOIN typical_projects t ON t.id = l.typical_project_id
            WHERE j.id = \(projectID) AND l.typical_project_id IS NOT NULL ORDER BY l.position
            """).map { try $0.decode("item") }
        let phases = try await delivery.phaseStates(db, projectID: projectID).map { p in
            let state = ProjectProgress.phaseState(p, today: today)
            return Phase(name: p.name, start: p.start.description, due: p.due.description, state: state,
                         late: state == "late", done: state == "done")
        }
        let status: String = try head.decode("status")
        return ClientStatusPage(project: try head.decode("name"), client: try head.decode("client"),
                                status: status.replacingOccurrences(of: "_", with: " "), people: people, scope: scope,
                                phases: phases, today: today.description)
    }
}

/// Links that work without signing in, each opened by an unguessable token: a
/// client's project status page, and a person's calendar feed.
struct ClientRoutes {
    let services: AppServices
    let renderer: PageRenderer

    func register(on router: Router<BatonRequestContext>) {
        router.get("status/:token") { _, context in
            let token = context.parameters.get("token") ?? ""
            let today = Timestamp.now.calendarDate
            let page = try await services.pool.withConnection { db -> ClientStatusPage? in
                guard let project = try await services.delivery.projectForStatusToken(db, token: token, today: today) else { return nil }
                return try await ClientStatusPage.build(db, projectID: project, delivery: services.delivery, today: today)
            }
            guard let page else {
                return renderer.page("not-found", [String: String](), status: .notFound)
            }
            var response = renderer.page("client-status", page)
            if let robots = HTTPField.Name("X-Robots-Tag") { response.headers[robots] = "noindex" }
            return response
        }
        router.get("calendar/:file") { _, context in
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".ics") else { throw APIError.notFound("calendar") }
            let token = String(file.dropLast(4))
            let document = try await services.pool.withConnection { db -> String? in
                guard let user = try await services.delivery.userForCalendarToken(db, token: token) else { return nil }
                let stamp = Self.stamp(Timestamp.now)
                let events = try await services.delivery.assignments(db, userID: user.id, from: nil, to: nil).map { a in
                    CalendarEvent(
                        uid: "assignment-\(a.assignmentId)@baton", summary: "\(a.role): \(a.project) (\(a.client))",
                        location: a.location ?? "Remote",
                        description: [
                            "\(a.hoursPerWeek) h a week, \(a.status)\(a.overbooked ? ", overbooked" : "").",
                            a.projectManager.map { "Project manager: \($0.name) <\($0.email)>" },
                        ].compactMap { $0 }.joined(separator: "\n"),
                        start: a.start, endExclusive: a.end.adding(days: 1), stamp: stamp)
                }
                return ICalendar.document(name: "Baton: \(user.name)", events: events)
            }
            guard let document else { throw APIError.notFound("calendar") }
            return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }

    /// DTSTAMP's UTC basic format, `20261127T090000Z`.
    static func stamp(_ t: Timestamp) -> String {
        let text = t.description  // 2026-11-27T09:00:00.123Z
        let digits = text.prefix(19).filter { $0.isNumber || $0 == "T" }
        return String(digits) + "Z"
    }
}
