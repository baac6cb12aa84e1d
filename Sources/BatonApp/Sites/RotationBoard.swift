import BatonCore
import Dates
import Foundation
import Postgres

/// The rotation board (issue 24, item 3): people × days (one or two weeks) or × weeks
/// (eight), each cell the person's day plans there (`DayPlanner`, as the API's day
/// plans): the sites with a colour per client, the hours, the travel, time off shaded,
/// and the over-hours and too-far flags. A block is one assignment: moving it moves
/// all its days, to another person or by whole columns.
struct RotationBoard: Sendable {
    enum Zoom: String, CaseIterable, Sendable {
        case week, fortnight, weeks
        var label: String {
            switch self { case .week: "One week"; case .fortnight: "Two weeks"; case .weeks: "Eight weeks" }
        }
        /// Days in one column, and the columns shown.
        var columnDays: Int { self == .weeks ? 7 : 1 }
        var columns: Int { switch self { case .week: 7; case .fortnight: 14; case .weeks: 8 } }
        var days: Int { columnDays * columns }
    }

    struct Column: Sendable { var index: Int; var label, detail: String; var weekend: Bool }
    /// One assignment's part of a cell: what the keyboard selects and the mouse drags.
    struct Chip: Sendable {
        var block: String
        var site, hours, title: String
        var tone: Int
    }
    struct Cell: Sendable {
        var index: Int
        var chips: [Chip]
        var travel: String?
        var off, partOff, weekend: Bool
        var flags: [String]
        var note: String?
        var summary: String
    }
    struct Row: Sendable {
        var person: RotationStore.Person
        var home: String
        var cells: [Cell]
    }
    struct Legend: Sendable { var client: String; var tone: Int }
    /// A block as the move form names it: `projectId.assignmentId.version`.
    struct BlockChoice: Sendable { var value, label: String }
    /// The last move, offered back: `undo` is `Undo.text`.
    struct UndoOffer: Sendable { var undo, text: String }
    /// A move's undo (`DaysMoveUndo`) in the board's address after the move:
    /// `projectId.assignmentId.version.userId.start.end.overbooked.pieces`, the pieces
    /// the move made as `id:version` joined by commas (none when the whole assignment moved).
    struct Undo: Sendable {
        var projectID, assignmentID: Int64
        var undo: DaysMoveUndo
        init?(_ text: String) {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 8, let p = Int64(parts[0]), let a = Int64(parts[1]), let v = Int(parts[2]), let u = Int64(parts[3]),
                  let start = CalendarDate(parts[4]), let end = CalendarDate(parts[5]) else { return nil }
            let pieces = parts[7].split(separator: ",").map { $0.split(separator: ":").compactMap { Int64($0) } }
            guard pieces.allSatisfy({ $0.count == 2 }) else { return nil }
            (projectID, assignmentID) = (p, a)
            undo = DaysMoveUndo(version: v, userId: u, start: start, end: end, allowOverbook: parts[6] == "1",
                                remove: pieces.map { DaysMoveUndo.Piece(id: $0[0], version: Int($0[1])) })
        }
        init(projectID: Int64, assignmentID: Int64, undo: DaysMoveUndo) {
            (self.projectID, self.assignmentID, self.undo) = (projectID, assignmentID, undo)
        }
        var text: String {
            let pieces = undo.remove.map { "\($0.id):\($0.version)" }.joined(separator: ",")
            return "\(projectID).\(assignmentID).\(undo.version).\(undo.userId).\(undo.start).\(undo.end).\(undo.allowOverbook ? 1 : 0).\(pieces)"
        }
    }

    var from: CalendarDate
    var zoom, heading: String
    var columnDays: Int
    var columns: [Column]
    var rows: [Row]
    var empty, hasLegend: Bool
    var legend: [Legend]
    var blocks: [BlockChoice]
    /// Who a block can go to (the move form's "To"): everyone active the caller sees,
    /// not only the rows the filters leave.
    var people: [PersonOption]
    var zooms, skills, homes, clients: [Choice]
    var previous, next, back: String
    var error: String?
    var undo: UndoOffer?

    /// The filters and the window, as the address gives them.
    struct Query: Sendable {
        var from: CalendarDate
        var zoom: Zoom
        var skill: String?
        var homeSiteID, clientID: Int64?

        /// The board's address for this window and these filters, `from` moved by `days`.
        func address(movedBy days: Int = 0) -> String {
            var parts = ["from=\(from.adding(days: days))", "zoom=\(zoom.rawValue)"]
            if let skill { parts.append("skill=" + skill.addingPercentEncodingForPath) }
            if let homeSiteID { parts.append("home=\(homeSiteID)") }
            if let clientID { parts.append("client=\(clientID)") }
            return Site.rotation() + "?" + parts.joined(separator: "&")
        }
    }

    static func build(
        _ db: Connection, services: AppServices, caller: Caller, query q: Query, error: String?, undo: Undo?
    ) async throws -> RotationBoard {
        let to = q.from.adding(days: q.zoom.days)
        let store = RotationStore()
        let people = try await store.people(db, from: q.from, to: to, skill: q.skill, homeSiteID: q.homeSiteID, clientID: q.clientID)
        let blocks = try await store.blocks(db, people: people.map(\.id), from: q.from, to: to)
        let places = try await SiteStore().places(db, ids: blocks.compactMap(\.siteId) + people.compactMap(\.homeSiteId))
        let calendars = try await WorkingCalendarStore().calendars(db, people: people.map(\.id), from: q.from, to: to)
        let travel = try await SiteStore().travel(db)
        let clientIDs = Array(Set(blocks.map(\.accountId))).sorted()
        func tone(_ accountID: Int64) -> Int { (clientIDs.firstIndex(of: accountID) ?? 0) % 8 }
        let byID = Dictionary(blocks.map { ($0.assignmentId, $0) }, uniquingKeysWith: { a, _ in a })
        let names = Dictionary(people.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })

        let rows = people.compactMap { person -> Row? in
            guard let calendar = calendars[person.id] else { return nil }
            let bookings = blocks.filter { $0.userId == person.id }.map { $0.siteBooking(places) }
            let home = person.homeSiteId.flatMap { places[$0] }
            let plans = DayPlanner.plans(from: q.from, to: to, homeBase: home, bookings: bookings, calendar: calendar, travel: travel)
            let cells = (0..<q.zoom.columns).map { index in
                cell(index: index, plans: Array(plans[(index * q.zoom.columnDays)..<((index + 1) * q.zoom.columnDays)]),
                     calendar: calendar, blocks: byID, tone: tone)
            }
            return Row(person: person, home: home?.name ?? "", cells: cells)
        }
        let columns = (0..<q.zoom.columns).map { index -> Column in
            let day = q.from.adding(days: index * q.zoom.columnDays)
            if q.zoom == .weeks { return Column(index: index, label: "Week of", detail: Formatting.date(day), weekend: false) }
            return Column(index: index, label: weekdays[day.isoWeekday - 1], detail: Formatting.date(day), weekend: day.isoWeekday >= 6)
        }
        let legend = clientIDs.compactMap { id in blocks.first { $0.accountId == id }.map { Legend(client: $0.client, tone: tone(id)) } }
        let skillNames = try await services.users.skillNames(db)
        let clientChoices = try await store.clients(db, from: q.from, to: to)
        let homeBases = try await store.homeBases(db)
        return RotationBoard(
            from: q.from, zoom: q.zoom.rawValue, heading: "\(Formatting.date(q.from)) to \(Formatting.date(to.adding(days: -1)))",
            columnDays: q.zoom.columnDays, columns: columns, rows: rows, empty: rows.isEmpty, hasLegend: !legend.isEmpty,
            legend: legend,
            blocks: blocks.map { b in
                BlockChoice(value: "\(b.projectId).\(b.assignmentId).\(b.version)",
                            label: "\(names[b.userId] ?? "?"): \(b.project) (\(b.client)), \(Formatting.date(b.start)) to \(Formatting.date(b.end))")
            },
            people: UserStore.personOptions(try await services.users.activeChoices(db, visibleTo: caller), current: nil, selected: nil),
            zooms: Zoom.allCases.map { Choice(value: $0.rawValue, label: $0.label, selected: $0 == q.zoom) },
            skills: [Choice(value: "", label: "Any skill", selected: q.skill == nil)]
                + skillNames.map { Choice(value: $0, label: $0, selected: $0.lowercased() == q.skill?.lowercased()) },
            homes: [Choice(value: "", label: "Any home base", selected: q.homeSiteID == nil)]
                + homeBases.map { Choice(value: String($0.id), label: $0.name, selected: $0.id == q.homeSiteID) },
            clients: [Choice(value: "", label: "Any client", selected: q.clientID == nil)]
                + clientChoices.map { Choice(value: String($0.id), label: $0.name, selected: $0.id == q.clientID) },
            previous: q.address(movedBy: -q.zoom.columnDays * q.zoom.columns), next: q.address(movedBy: q.zoom.columnDays * q.zoom.columns),
            back: q.address(), error: error,
            undo: undo.map { u in
                let what = byID[u.assignmentID].map { "\($0.project) (\(names[$0.userId] ?? "someone"))" } ?? "the block"
                return UndoOffer(undo: u.text, text: "Moved days of \(what).")
            })
    }

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// One column of a person's row: a day, or a week summed (hours per assignment, travel, days off).
    static func cell(
        index: Int, plans: [DayPlan], calendar: WorkingCalendar, blocks: [Int64: RotationStore.Block], tone: (Int64) -> Int
    ) -> Cell {
        var hours: [(id: Int64, site: String, hours: Decimal)] = []
        for plan in plans {
            for stop in plan.stops {
                for id in stop.assignmentIds {
                    let h = blocks[id]?.hoursPerDay ?? 0
                    if let i = hours.firstIndex(where: { $0.id == id }) { hours[i].hours += h } else { hours.append((id, stop.site.name, h)) }
                }
            }
        }
        let chips = hours.compactMap { entry -> Chip? in
            guard let b = blocks[entry.id] else { return nil }
            return Chip(block: "\(b.projectId).\(b.assignmentId).\(b.version)", site: entry.site,
                        hours: entry.hours.rounded(scale: 2).plainText + " h",
                        title: "\(b.client): \(b.project), \(b.role), \(Formatting.date(b.start)) to \(Formatting.date(b.end))",
                        tone: tone(b.accountId))
        }
        let usual = plans.map { calendar.week.hours(onWeekday: $0.day.isoWeekday) }
        let offDays = zip(plans, usual).filter { $0.isDayOff && $1 > 0 }.count
        let partOff = zip(plans, usual).contains { !$0.isDayOff && $0.workingHours < $1 }
        let minutes = plans.reduce(0) { $0 + $1.travelMinutes }
        var flags: [String] = []
        if plans.contains(where: { $0.flags.contains(.overHours) }) { flags.append("Over hours") }
        if plans.contains(where: { $0.flags.contains(.sitesTooFarApart) }) { flags.append("Sites too far apart") }
        if plans.contains(where: { $0.flags.contains(.travelUnknown) }) { flags.append("Travel unknown") }
        let weekend = usual.allSatisfy { $0 == 0 }
        let note: String? = offDays == 0 ? nil : (plans.count == 1 ? "Off" : "\(offDays) day\(offDays == 1 ? "" : "s") off")
        let travel = minutes > 0 ? SiteCalendar.duration(minutes) + " travel" : nil
        let summary = (chips.map { "\($0.site) \($0.hours)" } + [travel, note].compactMap { $0 } + flags).joined(separator: ", ")
        return Cell(index: index, chips: chips, travel: travel, off: offDays > 0 && offDays == zip(plans, usual).filter { $1 > 0 }.count,
                    partOff: partOff || (offDays > 0 && plans.count > 1), weekend: weekend, flags: flags, note: note,
                    summary: summary.isEmpty ? (weekend ? "Not a working day" : "Free") : summary)
    }
}
