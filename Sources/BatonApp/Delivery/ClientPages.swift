import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// What a client's status link shows: who, what and when, from
/// `DeliveryStore.clientView`, which selects nothing else.
struct ClientStatusPage {
    struct Phase { var name, start, due, state: String; var late, done: Bool }
    /// The project, its client, its people and its scope, as the store selected them.
    var view: DeliveryStore.ClientView
    /// The project's status in words ("in progress").
    var status: String
    var phases: [Phase]
    var today: String
    /// Who will be on which site in the coming two weeks (issue 24): names and roles only.
    var onSite: [SiteStore.OnSite] = []

    /// nil when the project is gone (deleted since its link was looked up).
    static func build(_ db: Connection, projectID: Int64, delivery: DeliveryStore, today: CalendarDate) async throws -> ClientStatusPage? {
        guard let view = try await delivery.clientView(db, projectID: projectID) else { return nil }
        let phases = try await delivery.phaseStates(db, projectID: projectID).map { p in
            let state = ProjectProgress.phaseState(p, today: today)
            return Phase(name: p.name, start: p.start.description, due: p.due.description, state: state,
                         late: state == "late", done: state == "done")
        }
        return ClientStatusPage(view: view, status: view.status.replacingOccurrences(of: "_", with: " "), phases: phases,
                                today: today.description,
                                onSite: try await SiteStore().onSite(db, projectID: projectID, from: today, to: today.adding(days: 14)))
    }
}

/// Links that work without signing in, each opened by an unguessable token: a
/// client's project status page, and a person's calendar feed.
struct ClientRoutes {
    let services: AppServices
    let renderer: PageRenderer

    func register(on router: Router<BatonRequestContext>) {
        router.get("status/:token", use: clientStatus)
        router.get("calendar/:file", use: calendar)
    }

    /// A client's project status, opened by a live link's token.
    @Sendable func clientStatus(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
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

    /// A person's assignments as an iCalendar feed, opened by their calendar token.
    @Sendable func calendar(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        guard file.hasSuffix(".ics") else { throw APIError.notFound("calendar") }
        let token = String(file.dropLast(4))
        let document = try await services.pool.withConnection { db -> String? in
            guard let user = try await services.delivery.userForCalendarToken(db, token: token) else { return nil }
            let stamp = Self.stamp(Timestamp.now)
            // The site (issue 24) wins over the free-text location; its access notes go to the one assigned there.
            let sites = try await SiteStore().feedSites(db, userID: user.id)
            let events = try await services.delivery.assignments(db, userID: user.id, from: nil, to: nil).map { a in
                CalendarEvent(
                    uid: "assignment-\(a.assignmentId)@baton", summary: "\(a.role): \(a.project) (\(a.client))",
                    location: sites[a.assignmentId]?.location ?? a.location ?? "Remote",
                    description: [
                        "\(a.hoursPerWeek) h a week, \(a.status)\(a.overbooked ? ", overbooked" : "").",
                        a.projectManager.map { "Project manager: \($0.name) <\($0.email)>" },
                        sites[a.assignmentId]?.accessNotes.map { "Access: \($0)" },
                    ].compactMap { $0 }.joined(separator: "\n"),
                    start: a.start, endExclusive: a.end.adding(days: 1), stamp: stamp)
            }
            // Approved time off, a year back and two ahead, so the person's calendar shows when they are away.
            let today = Timestamp.now.calendarDate
            // Travel between places, a week back and two months ahead, as events of their own.
            let travel = try await SiteActions(services: services).travelEvents(
                db, userID: user.id, from: today.adding(days: -7), to: today.adding(days: 62), stamp: stamp)
            let away = try await WorkingCalendarStore().approvedTimeOff(
                db, people: [user.id], from: today.adding(days: -366), to: today.adding(days: 731)).map {
                CalendarEvent.timeOff(id: $0.id, kind: $0.kind, start: $0.start, end: $0.end, hoursPerDay: $0.hoursPerDay?.value, stamp: stamp)
            }
            return ICalendar.document(name: "Baton: \(user.name)", events: events + travel + away)
        }
        guard let document else { throw APIError.notFound("calendar") }
        return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: document)))
    }

    /// DTSTAMP's UTC basic format, `20261127T090000Z`.
    static func stamp(_ t: Timestamp) -> String {
        let text = t.description  // 2026-11-27T09:00:00.123Z
        let digits = text.prefix(19).filter { $0.isNumber || $0 == "T" }
        return String(digits) + "Z"
    }
}
