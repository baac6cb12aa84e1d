import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// What the time-off pages show: a person's own requests with the form to ask for
/// more, and the requests waiting for a manager's decision.
struct TimeOffPage {
    /// A request with its kind and hours in words ("Vacation"; "4 h a day" or "whole days").
    struct Row {
        var request: TimeOffRecord
        var kind, hours: String
        var canCancel, canDecide: Bool
    }
    var rows: [Row]
    var empty: Bool
    var form: WebForm
    var message: String?
    var waiting: Bool
    var collisions: [WorkingCalendarStore.Collision]
    var hasCollisions: Bool

    static func form(_ state: FormState) -> WebForm {
        state.form([
            state.select("kind", "Kind", TimeOffKind.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }, required: true),
            state.text("start", "First day", required: true, type: "date"),
            state.text("end", "Last day", required: true, type: "date", hint: "Included; the same as the first day for one day."),
            state.text("hoursPerDay", "Hours off each day", hint: "Leave empty for whole days; 4 for half days of 8 h.", inputmode: "decimal"),
            state.textarea("note", "Note"),
        ])
    }

    static func row(_ r: TimeOffRecord, mine: Bool, decides: Bool) -> Row {
        Row(request: r, kind: r.kind.rawValue.capitalized, hours: r.hoursPerDay.map { "\($0.description) h a day" } ?? "whole days",
            canCancel: (mine || decides) && (r.status == .pending || r.status == .approved),
            canDecide: decides && r.status == .pending)
    }

    /// The caller's own requests, newest first.
    static func mine(_ db: Connection, caller: Caller, form: FormState, message: String?) async throws -> TimeOffPage {
        let store = TimeOffStore()
        let list = try await store.list(db, visibleTo: caller, filter: .init(userID: caller.id), page: try PageRequest(limit: 200))
        let rows = list.items.map { row($0, mine: true, decides: caller.isAdmin) }
        return TimeOffPage(rows: rows, empty: rows.isEmpty, form: Self.form(form), message: message,
                           waiting: try await store.waitingCount(db, caller: caller) > 0,
                           collisions: [], hasCollisions: false)
    }

    /// Requests waiting for the caller's decision, and the collisions on projects they run.
    static func approvals(_ db: Connection, caller: Caller, message: String?) async throws -> TimeOffPage {
        let list = try await TimeOffStore().list(db, visibleTo: caller, filter: .init(waitingFor: caller), page: try PageRequest(limit: 200))
        let rows = list.items.map { row($0, mine: false, decides: true) }
        let collisions = try await WorkingCalendarStore().collisions(db, managerID: caller.id)
        return TimeOffPage(rows: rows, empty: rows.isEmpty, form: Self.form(FormState("time-off")), message: message,
                           waiting: !rows.isEmpty, collisions: collisions, hasCollisions: !collisions.isEmpty)
    }
}

/// My week's working hours day by day (holidays and approved time off marked) and
/// my assignments that collide with approved time off.
struct MyWeekHours {
    struct Day { var weekday: String; var hours: String; var note: String; var off: Bool }
    var days: [Day]
    var total: String
    var collisions: [WorkingCalendarStore.Collision]
    var hasCollisions: Bool

    static func build(_ db: Connection, userID: Int64, monday: CalendarDate) async throws -> MyWeekHours {
        let end = monday.adding(days: 7)
        let calendars = WorkingCalendarStore()
        let calendar = try await calendars.calendar(db, userID: userID, from: monday, to: end) ?? WorkingCalendar(week: .standard(weeklyHours: 0))
        let names = try await HolidayCalendarStore().holidayNames(db, userID: userID, from: monday, to: end)
        var days: [Day] = []
        var day = monday
        while day < end {
            let note = names[day] ?? (calendar.timeOff[day].map { "time off \(DecimalString($0)) h" } ?? "")
            days.append(Day(weekday: WebRoutes.weekdayNames[day.isoWeekday - 1].prefix(3) + " " + String(day.description.suffix(5)),
                            hours: DecimalString(calendar.hours(on: day)).description, note: note, off: !note.isEmpty))
            day = day.adding(days: 1)
        }
        let collisions = try await calendars.collisions(db, userID: userID).filter { $0.to >= monday }
        return MyWeekHours(days: days, total: DecimalString(calendar.hours(from: monday, to: end)).description,
                           collisions: collisions, hasCollisions: !collisions.isEmpty)
    }
}

extension WebRoutes {

    @Sendable func timeOffPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let today = Timestamp.now.calendarDate
        let state = FormState("time-off", values: ["kind": "vacation", "start": today.description, "end": today.description])
        let page = try await timeOffPage(caller, token, state: state, message: Flash.message(request))
        return Flash.shown(page, for: request)
    }

    func timeOffPage(_ caller: Caller, _ token: String, state: FormState, message: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let body = try await services.pool.withConnection { try await TimeOffPage.mine($0, caller: caller, form: state, message: message) }
        return renderer.page("time-off", Page(frame: frame(caller, sessionToken: token, title: "Time off", area: "time-off"), body: body),
                             status: status)
    }

    @Sendable func timeOffRequestForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            var reader = FormReader(form)
            let kind = reader.choice("kind", "Kind", TimeOffKind.self)
            let start = reader.date("start", "The first day")
            let end = reader.date("end", "The last day")
            let hours = reader.decimal("hoursPerDay", "Hours off each day")
            if kind == nil { reader.problems.add("kind", "Choose the kind from the list") }
            if start == nil, reader.optional("start") == nil { reader.problems.add("start", "Enter the first day") }
            if end == nil, reader.optional("end") == nil { reader.problems.add("end", "Enter the last day") }
            do {
                let fallback = Timestamp.now.calendarDate
                _ = try await formTransaction(reader) { db in
                    try await TimeOffActions(services: services).request(db, caller: caller, input: TimeOffInput(
                        userId: nil, kind: kind ?? .other, start: start ?? fallback, end: end ?? start ?? fallback,
                        hoursPerDay: hours, note: reader.optional("note")))
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await timeOffPage(caller, token, state: FormState("time-off", typed: form, failure: failure), message: nil,
                                             status: failure.status)
            }
            return Flash.redirect(Site.timeOff(), message: "Asked; your manager decides.")
        }
    }

    @Sendable func timeOffApprovalsPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let body = try await services.pool.withConnection { try await TimeOffPage.approvals($0, caller: caller, message: Flash.message(request)) }
        return Flash.shown(renderer.page("time-off-approvals", Page(frame: frame(caller, sessionToken: token, title: "Time off to approve", area: "time-off"),
                                                                    body: body)), for: request)
    }

    /// `time-off/:id/approve`, `…/decline`, `…/cancel`, at the version the page showed.
    @Sendable func timeOffActionForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, form in
            let id = try request.id(context)
            let action = context.parameters.get("action") ?? ""
            guard ["approve", "decline", "cancel"].contains(action) else { return notFound() }
            let expected = form["version"].flatMap { Int($0) }
            let back = form["back"] == "approvals" ? Site.timeOffApprovals() : Site.timeOff()
            let actions = TimeOffActions(services: services)
            do {
                let record = try await services.pool.withTransaction { db in
                    switch action {
                    case "approve": try await actions.decide(db, caller: caller, id: id, expected: expected, approve: true)
                    case "decline": try await actions.decide(db, caller: caller, id: id, expected: expected, approve: false)
                    default: try await actions.cancel(db, caller: caller, id: id, expected: expected)
                    }
                }
                return Flash.redirect(back, message: "\(record.userName)'s time off from \(record.start) to \(record.end) is \(record.status.rawValue).")
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return Flash.redirect(back, message: (failure.messages + failure.errors.values.sorted()).joined(separator: " "))
            }
        }
    }
}
