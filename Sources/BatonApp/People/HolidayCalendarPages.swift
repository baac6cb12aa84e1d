import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/holidays`: the firm's holiday calendars, one per location or country.
struct HolidayCalendarsPage {
    /// `next`: the calendar's next holiday, "Christmas Day, 2026-12-25"; empty when none is left.
    struct Row { var calendar: HolidayCalendarRecord; var count: Int; var next: String }
    var tabs: [AdminTab]
    var rows: [Row]
    var empty: Bool
    var form: WebForm
    var notice: String?
}

/// `/admin/holidays/{id}`: a calendar's holidays and its import.
struct HolidayCalendarPage {
    struct Row { var day, weekday, name: String }
    var tabs: [AdminTab]
    var calendar: HolidayCalendarRecord
    var rows: [Row]
    var empty: Bool
    var form: WebForm
    var notice: String?
}

/// `/admin/people/{id}/calendar`: a person's working week, holiday calendar, and
/// their working hours for the next four weeks.
struct PersonCalendarPage {
    struct Day { var date: String; var weekday: String; var hours: String; var note: String; var off: Bool }
    var tabs: [AdminTab]
    var id: Int64
    var name: String
    var version: Int
    var form: WebForm
    var days: [Day]
    var total: String
    var notice: String?
}

extension WebRoutes {
    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


    private func requireAdminPage(_ request: Request, _ context: BatonRequestContext) throws -> (Caller, String)? {
        guard let (caller, token) = try signedIn(request, context) else { return nil }
        try Scope.requireAdmin(caller)
        return (caller, token)
    }

    // MARK: Calendars

    @Sendable func holidayCalendarsPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try requireAdminPage(request, context) else { return toSignIn(request) }
        return try await holidayCalendarsPage(caller, token, state: FormState("calendar"), notice: Self.notice(request))
    }

    func holidayCalendarsPage(_ caller: Caller, _ token: String, state: FormState, notice: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let today = Timestamp.now.calendarDate
        let calendars = try await services.pool.withConnection { try await HolidayCalendarStore().list($0) }
        let rows = calendars.map { c in
            HolidayCalendarsPage.Row(calendar: c, count: c.holidays.count,
                                     next: c.holidays.first { $0.day >= today }.map { "\($0.name), \(Formatting.date($0.day))" } ?? "")
        }
        let form = state.form([state.text("name", "Name", required: true, maxlength: 200),
                               state.text("location", "Location or country", hint: "Where it applies, e.g. Colorado or Belgium.", maxlength: 200)])
        let body = HolidayCalendarsPage(tabs: adminTabs(.admin, current: Site.adminHolidays()), rows: rows, empty: rows.isEmpty,
                                        form: form, notice: notice)
        return renderer.page("admin-holidays", Page(frame: frame(caller, sessionToken: token, title: "Holiday calendars", area: "admin"),
                                                    body: body), status: status)
    }

    @Sendable func holidayCalendarCreateForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            try Scope.requireAdmin(caller)
            let made: HolidayCalendarRecord
            do {
                made = try await services.pool.withTransaction { db in
                    try await HolidayCalendarActions(services: services).create(
                        db, caller: caller, input: HolidayCalendarInput(name: form["name"], location: form["location"], holidays: nil))
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await holidayCalendarsPage(caller, token, state: FormState("calendar", typed: form, failure: failure),
                                                      notice: nil, status: failure.status)
            }
            return WebSession.redirect(Site.adminHolidayCalendar(made.id) + "?saved=created")
        }
    }

    @Sendable func holidayCalendarPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try requireAdminPage(request, context) else { return toSignIn(request) }
        return try await holidayCalendarPage(caller, token, id: try request.id(context), state: FormState("import"), notice: Self.notice(request))
    }

    func holidayCalendarPage(_ caller: Caller, _ token: String, id: Int64, state: FormState, notice: String?,
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let calendar = try await services.pool.withConnection({ try await HolidayCalendarStore().find($0, id: id) }) else {
            return notFound()
        }
        let rows = calendar.holidays.map {
            HolidayCalendarPage.Row(day: Formatting.date($0.day), weekday: Self.weekdayNames[$0.day.isoWeekday - 1], name: $0.name)
        }
        let form = state.form([state.textarea("file", "iCalendar (.ics) or CSV (date,name) text")])
        let body = HolidayCalendarPage(tabs: adminTabs(.admin, current: Site.adminHolidays()), calendar: calendar,
                                       rows: rows, empty: rows.isEmpty, form: form, notice: notice)
        return renderer.page("admin-holiday-calendar", Page(frame: frame(caller, sessionToken: token, title: calendar.name, area: "admin"),
                                                            body: body), status: status)
    }

    /// `admin/holidays/:id/import` and `…/delete`.
    @Sendable func holidayCalendarActionForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            try Scope.requireAdmin(caller)
            let id = try request.id(context)
            let actions = HolidayCalendarActions(services: services)
            switch context.parameters.get("action") {
            case "import":
                do {
                    _ = try await services.pool.withTransaction { db in
                        try await actions.importHolidays(db, caller: caller, id: id, text: form["file"] ?? "")
                    }
                } catch {
                    guard let failure = FormFailure(error) else { throw error }
                    return try await holidayCalendarPage(caller, token, id: id, state: FormState("import", typed: form, failure: failure),
                                                         notice: nil, status: failure.status)
                }
                return WebSession.redirect(Site.adminHolidayCalendar(id) + "?saved=imported")
            case "delete":
                try await services.pool.withTransaction { db in
                    try await actions.delete(db, caller: caller, id: id, expected: form["version"].flatMap { Int($0) })
                }
                return WebSession.redirect(Site.adminHolidays() + "?saved=deleted")
            default:
                return notFound()
            }
        }
    }

    // MARK: A person's week

    @Sendable func personCalendarPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try requireAdminPage(request, context) else { return toSignIn(request) }
        return try await personCalendarPage(caller, token, id: try request.id(context), typed: nil, notice: Self.notice(request))
    }

    func personCalendarPage(_ caller: Caller, _ token: String, id: Int64, typed: FormState?, notice: String?,
                            status: HTTPResponse.Status = .ok) async throws -> Response {
        let today = Timestamp.now.calendarDate
        let monday = today.adding(days: 1 - today.isoWeekday)
        let loaded = try await services.pool.withConnection { db -> (UserRecord, PersonCalendarRecord, [HolidayCalendarRecord])? in
            guard let person = try await services.users.find(db, id: id, visibleTo: caller) else { return nil }
            let record = try await HolidayCalendarActions(services: services).personCalendar(
                db, caller: caller, userID: id, from: monday, to: monday.adding(days: 28))
            return (person, record, try await HolidayCalendarStore().list(db))
        }
        guard let (person, record, calendars) = loaded else { return notFound() }
        var values: [String: String] = ["holidayCalendarId": record.holidayCalendarId.map(String.init) ?? "",
                                        "standard": record.standardWeek ? "true" : ""]
        for (i, h) in record.workingWeek.enumerated() { values["day\(i + 1)"] = h.description }
        let state = typed ?? FormState("week", values: values)
        var fields = [state.checkbox("standard", "Standard week: \(person.weeklyCapacityHours) h a week over Monday to Friday")]
        for (i, name) in Self.weekdayNames.enumerated() {
            fields.append(state.text("day\(i + 1)", name, inputmode: "decimal"))
        }
        fields.append(state.select("holidayCalendarId", "Holiday calendar",
                                   [("", "None")] + calendars.map { (String($0.id), $0.name) }))
        var form = state.form(fields)
        // The week's API field is one list: its messages go above the form.
        if let message = state.errors["workingWeek"] { form.messages.append(message) }
        let days = record.days.map { day in
            PersonCalendarPage.Day(date: Formatting.date(day.date), weekday: Self.weekdayNames[day.date.isoWeekday - 1], hours: day.hours.description,
                                   note: day.holiday ?? (day.timeOffHours.map { "time off \($0) h" } ?? ""),
                                   off: day.holiday != nil || day.timeOffHours != nil)
        }
        let body = PersonCalendarPage(tabs: adminTabs(.admin, current: Site.adminPeople()), id: id, name: person.name, version: record.version,
                                      form: form, days: days, total: record.totalHours.description, notice: notice)
        return renderer.page("admin-person-calendar", Page(frame: frame(caller, sessionToken: token, title: "\(person.name): working week", area: "admin"),
                                                           body: body), status: status)
    }

    @Sendable func personCalendarForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            try Scope.requireAdmin(caller)
            let id = try request.id(context)
            var reader = FormReader(form)
            let standard = !(form["standard"] ?? "").isEmpty
            var week: [DecimalString]?
            if !standard {
                week = (1...7).map { reader.decimal("day\($0)", Self.weekdayNames[$0 - 1], field: "workingWeek") ?? DecimalString(0) }
            }
            let calendarID = reader.id("holidayCalendarId", "Holiday calendar")
            do {
                try await formTransaction(reader) { db in
                    try await HolidayCalendarActions(services: services).setPersonCalendar(
                        db, caller: caller, userID: id, expected: form["version"].flatMap { Int($0) },
                        input: PersonCalendarInput(workingWeek: week, holidayCalendarId: calendarID),
                        keys: ["workingWeek", "holidayCalendarId"])
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await personCalendarPage(caller, token, id: id, typed: FormState("week", typed: form, failure: failure),
                                                    notice: nil, status: failure.status)
            }
            return WebSession.redirect(Site.adminPersonCalendar(id) + "?saved=1")
        }
    }
}
