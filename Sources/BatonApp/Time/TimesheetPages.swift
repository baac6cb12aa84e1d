import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// What the timesheet page shows: a week as a grid of rows (assignments, then internal
/// work) by seven days, each open cell an input, with totals per day and week, and the
/// submitted weeks waiting for the caller's decision.
struct TimesheetPage {
    struct Cell {
        var name, value: String
        var editable: Bool
        var label, error: String
        var hasError: Bool
    }

    struct Row {
        var title, detail: String
        var cells: [Cell]
        var total: String
    }

    struct Day { var name, date, total: String }

    /// `week` is the Monday as the address and form carry it (ISO); `weekShown` as
    /// people read it (`30 Nov 2026`).
    struct Waiting {
        var userId: Int64
        var person, week, weekShown, hours: String
    }

    var week, weekShown, previousWeek, nextWeek: String
    var days: [Day]
    var rows: [Row]
    /// `status` is the key (`data-status`, the class); `statusShown` its words.
    var total, status, statusShown: String
    var canSubmit: Bool
    var returned: [String]
    var hasReturned: Bool
    var message: String?
    var waiting: [Waiting]
    var hasWaiting: Bool

    static let dayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    static func hours(_ value: Decimal) -> String { value == 0 ? "" : value.plainText }

    static func build(_ db: Connection, services: AppServices, caller: Caller, week: CalendarDate,
                      typed: [String: String] = [:], errors: [String: String] = [:], message: String?) async throws -> TimesheetPage {
        let sheet = try await TimeActions(services: services).timesheet(db, caller: caller, userID: caller.id, week: week)
        var lines = sheet.lines
        for kind in InternalWork.allCases where !lines.contains(where: { $0.key == "i\(kind.rawValue)" }) {
            lines.append(Timesheet.Line(key: "i\(kind.rawValue)", internalKind: kind.rawValue,
                                        hours: Array(repeating: DecimalString(0), count: 7), total: DecimalString(0),
                                        closed: Array(repeating: false, count: 7), locked: Array(repeating: false, count: 7)))
        }
        let rows = lines.map { line -> Row in
            let title = line.projectName ?? Self.internalTitle(line.internalKind)
            let detail = [line.phaseName, line.skill].compactMap { $0 }.joined(separator: " · ")
            let cells = (0..<7).map { i -> Cell in
                let name = "h-\(line.key)-\(i)"
                let error = errors["\(line.key)-\(i)"] ?? ""
                return Cell(name: name, value: typed[name] ?? Self.hours(line.hours[i].value),
                            editable: !line.closed[i] && !line.locked[i],
                            label: "\(title) \(Self.dayNames[i]) \(Formatting.date(sheet.days[i]))", error: error, hasError: !error.isEmpty)
            }
            return Row(title: title, detail: detail, cells: cells, total: Self.hours(line.total.value))
        }
        let days = (0..<7).map { Day(name: Self.dayNames[$0], date: Formatting.date(sheet.days[$0]), total: Self.hours(sheet.dayTotals[$0].value)) }
        let returned = sheet.entries.filter { $0.status == .returned }.compactMap { e in
            e.returnComment.map { "\(Formatting.date(e.day)) \(e.projectName ?? Self.internalTitle(e.internalKind)): \($0)" }
        }
        var waiting: [Waiting] = []
        let open = try await TimeStore().list(db, visibleTo: caller, filter: .init(waitingFor: caller), page: try PageRequest(limit: 500))
        var sums: [String: (index: Int, hours: Decimal)] = [:]
        for entry in open.items {
            let monday = TimesheetRules.weekStart(of: entry.day)
            let key = "\(entry.userId)-\(monday)"
            if let known = sums[key] {
                sums[key] = (known.index, known.hours + entry.hours.value)
            } else {
                sums[key] = (waiting.count, entry.hours.value)
                waiting.append(Waiting(userId: entry.userId, person: entry.userName, week: monday.description, weekShown: Formatting.date(monday), hours: ""))
            }
        }
        for (_, sum) in sums { waiting[sum.index].hours = sum.hours.plainText }
        return TimesheetPage(
            week: sheet.week.description, weekShown: Formatting.date(sheet.week), previousWeek: sheet.week.adding(days: -7).description, nextWeek: sheet.week.adding(days: 7).description,
            days: days, rows: rows, total: sheet.total.value.plainText, status: sheet.status, statusShown: Formatting.label(sheet.status),
            canSubmit: sheet.entries.contains { $0.status.isOpen }, returned: returned, hasReturned: !returned.isEmpty,
            message: message, waiting: waiting, hasWaiting: !waiting.isEmpty)
    }

    static func internalTitle(_ kind: String?) -> String {
        switch kind {
        case "training": "Training"
        case "pre_sales": "Pre-sales"
        case "admin": "Admin"
        default: "Other"
        }
    }
}

extension WebRoutes {

    @Sendable func timesheetPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let week = request.uri.queryParameters["week"].flatMap { CalendarDate(String($0)) } ?? Timestamp.now.calendarDate
        let page = try await timesheetPage(caller, token, week: week, message: Flash.message(request))
        return Flash.shown(page, for: request)
    }

    func timesheetPage(_ caller: Caller, _ token: String, week: CalendarDate, typed: [String: String] = [:],
                       errors: [String: String] = [:], message: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let body = try await services.pool.withTransaction {
            try await TimesheetPage.build($0, services: services, caller: caller, week: week, typed: typed, errors: errors, message: message)
        }
        return renderer.page("timesheet", Page(frame: frame(caller, sessionToken: token, title: "Timesheet", area: "timesheet"), body: body),
                             status: status)
    }

    /// Saves the grid (`action=save`), submits the week (`submit`, after saving), or copies last week (`copy`).
    @Sendable func timesheetForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            guard let week = form["week"].flatMap({ CalendarDate($0) }) else { return notFound() }
            let actions = TimeActions(services: services)
            let back = "\(Site.timesheet())?week=\(week)"
            var reader = FormReader(form)
            var cells: [String: [Decimal?]] = [:]
            for (name, _) in form where name.hasPrefix("h-") {
                let parts = name.dropFirst(2).split(separator: "-")
                guard parts.count == 2, let day = Int(parts[1]), (0..<7).contains(day) else { continue }
                let key = String(parts[0])
                var row = cells[key] ?? Array(repeating: nil, count: 7)
                row[day] = reader.decimal(name, "Hours")?.value
                if reader.problems.errors.contains(where: { $0.field == name }) { continue }
                cells[key] = row
            }
            do {
                switch form["action"] {
                case "copy":
                    _ = try await services.pool.withTransaction { db in
                        try await actions.copyLastWeek(db, caller: caller, input: TimesheetInput(week: week))
                    }
                    return Flash.redirect(back, message: "Last week's rows are copied in as drafts.")
                default:
                    _ = try await formTransaction(reader) { db in
                        try await actions.saveGrid(db, caller: caller, userID: nil, week: week, cells: cells)
                    }
                    if form["action"] == "submit" {
                        _ = try await services.pool.withTransaction { db in
                            try await actions.submit(db, caller: caller, input: TimesheetInput(week: week))
                        }
                        return Flash.redirect(back, message: "The week is submitted for approval.")
                    }
                    return Flash.redirect(back, message: "Saved.")
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                var errors: [String: String] = [:]
                for (field, message) in failure.errors { errors[field.hasPrefix("h-") ? String(field.dropFirst(2)) : field] = message }
                let words = failure.messages + (errors.isEmpty ? [] : ["Some hours were not saved: see the marked days."])
                return try await timesheetPage(caller, token, week: week, typed: form, errors: errors,
                                               message: words.joined(separator: " "), status: failure.status)
            }
        }
    }

    /// `timesheet/decide`: approve or return a person's week (`decision=approve|return`, `comment`).
    @Sendable func timesheetDecisionForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, form in
            guard let week = form["week"].flatMap({ CalendarDate($0) }), let user = form["userId"].flatMap({ Int64($0) }) else { return notFound() }
            let approve = form["decision"] == "approve"
            let input = TimesheetInput(userId: user, week: week, comment: form["comment"])
            do {
                let sheet = try await services.pool.withTransaction { db in
                    try await TimeActions(services: services).decide(db, caller: caller, input: input, approve: approve)
                }
                return Flash.redirect(Site.timesheet(), message: "\(sheet.userName)'s week of \(Formatting.date(sheet.week)) is \(approve ? "approved" : "returned").")
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return Flash.redirect(Site.timesheet(), message: (failure.messages + failure.errors.values.sorted()).joined(separator: " "))
            }
        }
    }
}
