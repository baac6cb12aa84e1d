import BatonCore
import Dates
import Foundation
import Postgres

/// A time entry as a writer sends it: hours on a day against an assignment or internal work.
struct TimeEntryInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case userId, day, hours, assignmentId, internalKind, note, correctsId }
    /// Whose time; the caller's own when left out (a manager above the person, or an admin, may record for them).
    var userId: Int64?
    var day: CalendarDate
    var hours: DecimalString
    var assignmentId: Int64?
    /// training, pre_sales or admin.
    var internalKind: String?
    var note: String?
    /// A correction of an approved entry (hours may then be negative).
    var correctsId: Int64?
}

struct TimeEntryChange: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case hours, note }
    var hours: DecimalString?
    var note: String?
}

/// A week of one person's time: `week` is any day in it (its Monday is used).
struct TimesheetInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case userId, week, comment, projectId }
    var userId: Int64?
    var week: CalendarDate
    /// Why time is returned (required for a return).
    var comment: String?
    /// A decision only on this project's time.
    var projectId: Int64?
}

/// A week of time as the API and the page show it: one row per assignment of the
/// week (and per internal kind with hours), seven days, totals per day and week.
struct Timesheet: Encodable, Sendable {
    struct Line: Encodable, Sendable {
        /// `a<assignment id>` or `i<internal kind>`: the grid's row key.
        var key: String
        var assignmentId, projectId: Int64?
        var projectName, phaseName, skill, internalKind: String?
        /// Monday first.
        var hours: [DecimalString]
        var total: DecimalString
        /// Monday first: the days the row cannot take time on (outside the assignment), and
        /// the days whose time is submitted or approved (locked).
        var closed, locked: [Bool]
    }

    var userId: Int64
    var userName: String
    var week: CalendarDate
    var days: [CalendarDate]
    var lines: [Line]
    var dayTotals: [DecimalString]
    var total: DecimalString
    /// empty, open (drafts or returned), submitted, approved, or mixed.
    var status: String
    var entries: [TimeEntryRecord]
}

/// Time entry, whoever records it (the API, the timesheet page, the import): people
/// record their own hours; the week is submitted whole; project time is approved by
/// the project's manager, internal time by a manager above the person; approved
/// entries are locked and corrected by new entries.
struct TimeActions {
    let services: AppServices
    var store: TimeStore { TimeStore() }

    /// Whose time `caller` may record or submit: their own, or (a manager above, an admin) someone's.
    func owner(_ db: Connection, caller: Caller, userID: Int64?) async throws -> Int64 {
        let id = userID ?? caller.id
        if id != caller.id {
            guard try await services.users.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("person") }
            guard try await services.users.isAbove(db, caller: caller, userID: id) else {
                throw APIError.forbidden("People record their own time; a manager above them or an admin may record it for them.")
            }
        }
        return id
    }

    func record(_ db: Connection, caller: Caller, input: TimeEntryInput) async throws -> TimeEntryRecord {
        let userID = try await owner(db, caller: caller, userID: input.userId)
        var v = Validator()
        let note = input.note?.trimmed.nilIfEmpty
        v.check((note?.count ?? 0) <= 1000, "note", "The note must be at most 1000 characters")
        var fields = TimeEntryFields(userID: userID, day: input.day, hours: input.hours.value, note: note)
        switch (input.assignmentId, input.internalKind) {
        case (nil, nil), (.some, .some):
            v.add("assignmentId", "Time is recorded against an assignment or internal work (internalKind), one of the two")
        case (let assignmentID?, nil):
            if let a = try await store.assignment(db, id: assignmentID), a.userID == userID {
                fields.assignmentID = a.id
                fields.projectID = a.projectID
                fields.phaseID = a.phaseID
                fields.skillID = a.skillID
                v.check(a.start <= input.day && input.day <= a.end, "day",
                        "The assignment on \(a.projectName) runs from \(a.start) to \(a.end); \(input.day) is outside it")
            } else {
                v.add("assignmentId", "No assignment of this person has that id")
            }
        case (nil, let kind?):
            if let work = InternalWork(rawValue: kind) {
                fields.internalKind = work
            } else {
                v.add("internalKind", "Internal work must be one of \(InternalWork.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        try v.throwIfInvalid()
        try await store.lockPerson(db, userID: userID)
        let booked = try await store.bookedHours(db, userID: userID, day: input.day)
        if let correctsID = input.correctsId {
            guard let original = try await store.find(db, id: correctsID, visibleTo: caller), original.userId == userID,
                  original.status == .approved else {
                throw ValidationFailure("correctsId", "A correction points at an approved entry of the same person")
            }
            fields.correctsID = correctsID
            let hours = input.hours.value
            guard hours != 0, hours.rounded(scale: 2) == hours, booked + hours >= 0, booked + hours <= TimesheetRules.maximumHoursPerDay,
                  original.day == input.day else {
                throw ValidationFailure("hours", "A correction is on its entry's day, is not 0, and leaves the day between 0 and 24 hours")
            }
        } else {
            let off = try await store.isDayOff(db, userID: userID, day: input.day)
            if let refusal = TimesheetRules.refusal(day: input.day, hours: input.hours.value, booked: booked, timeOff: off) {
                throw ValidationFailure(off ? "day" : "hours", refusal)
            }
        }
        return try await store.create(db, fields, by: caller.id)
    }

    /// Changes an entry still open (draft or returned): only its person's hours and note.
    func change(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: TimeEntryChange) async throws -> TimeEntryRecord {
        let before = try await openEntry(db, caller: caller, id: id, expected: expected)
        let hours = input.hours?.value ?? before.hours.value
        let note = input.note.map { $0.trimmed.nilIfEmpty } ?? before.note
        if (note?.count ?? 0) > 1000 { throw ValidationFailure("note", "The note must be at most 1000 characters") }
        try await store.lockPerson(db, userID: before.userId)
        let booked = try await store.bookedHours(db, userID: before.userId, day: before.day, excluding: before.id)
        if let refusal = TimesheetRules.refusal(day: before.day, hours: hours, booked: booked, timeOff: false) {
            throw ValidationFailure("hours", refusal)
        }
        return try await store.update(db, before, hours: hours, note: note, by: caller.id)
    }

    func remove(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws {
        let before = try await openEntry(db, caller: caller, id: id, expected: expected)
        try await store.delete(db, before, by: caller.id)
    }

    private func openEntry(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> TimeEntryRecord {
        guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else { throw APIError.notFound("time entry") }
        if before.userId != caller.id, !(try await services.users.isAbove(db, caller: caller, userID: before.userId)) {
            throw APIError.forbidden("Only \(before.userName), a manager above them or an admin may change their time.")
        }
        try ETag.requireCurrent(expected, before.version)
        guard before.status.isOpen else {
            throw APIError.conflict("This entry is \(before.status.rawValue) and locked; record a correction (correctsId) instead.",
                                    code: "time-entry-locked")
        }
        return before
    }

    /// Submits every open entry of the week for approval.
    func submit(_ db: Connection, caller: Caller, input: TimesheetInput) async throws -> Timesheet {
        let userID = try await owner(db, caller: caller, userID: input.userId)
        let monday = TimesheetRules.weekStart(of: input.week)
        let open = try await store.entries(db, userID: userID, from: monday, to: monday.adding(days: 6), visibleTo: caller, forUpdate: true)
            .filter { $0.status.isOpen }
        guard !open.isEmpty else {
            throw APIError.conflict("The week of \(monday) has no open time to submit.", code: "nothing-to-submit")
        }
        _ = try await store.setStatus(db, open, to: .submitted, by: caller.id)
        return try await timesheet(db, caller: caller, userID: userID, week: monday)
    }

    /// Approves (`approve`) or returns the week's submitted entries that `caller` may
    /// decide: project time on projects they manage, internal time of people below them.
    func decide(_ db: Connection, caller: Caller, input: TimesheetInput, approve: Bool) async throws -> Timesheet {
        guard let userID = input.userId else { throw ValidationFailure("userId", "Name whose week is decided") }
        if userID == caller.id && !caller.isAdmin { throw APIError.forbidden("No one approves or returns their own time.") }
        let monday = TimesheetRules.weekStart(of: input.week)
        let comment = input.comment?.trimmed.nilIfEmpty
        if !approve, comment == nil { throw ValidationFailure("comment", "Say why the time is returned") }
        if (comment?.count ?? 0) > 1000 { throw ValidationFailure("comment", "The comment must be at most 1000 characters") }
        let week = try await store.entries(db, userID: userID, from: monday, to: monday.adding(days: 6), visibleTo: caller, forUpdate: true)
        var mine: [TimeEntryRecord] = []
        let above = try await services.users.isAbove(db, caller: caller, userID: userID)
        for entry in week where entry.status == .submitted && (input.projectId == nil || entry.projectId == input.projectId) {
            if entry.userId == caller.id && !caller.isAdmin { continue }
            if let project = entry.projectId {
                let manager: Int64? = try await db.query("SELECT project_manager_id FROM projects WHERE id = \(project)")
                    .first?.decode("project_manager_id")
                if caller.isAdmin || manager == caller.id { mine.append(entry) }
            } else if above {
                mine.append(entry)
            }
        }
        guard !mine.isEmpty else {
            if week.isEmpty && !above { throw APIError.notFound("timesheet") }
            throw APIError.conflict("No submitted time in the week of \(monday) waits for your decision.", code: "nothing-to-decide")
        }
        _ = try await store.setStatus(db, mine, to: approve ? .approved : .returned, comment: comment, by: caller.id)
        return try await timesheet(db, caller: caller, userID: userID, week: monday)
    }

    /// Copies last week's rows into this week as drafts, on the days they can take
    /// time (the assignment still runs, no time off, room in the day); rows already
    /// holding time this week are left alone.
    func copyLastWeek(_ db: Connection, caller: Caller, input: TimesheetInput) async throws -> Timesheet {
        let userID = try await owner(db, caller: caller, userID: input.userId)
        let monday = TimesheetRules.weekStart(of: input.week)
        let previous = try await store.entries(db, userID: userID, from: monday.adding(days: -7), to: monday.adding(days: -1), visibleTo: caller)
        let current = try await store.entries(db, userID: userID, from: monday, to: monday.adding(days: 6), visibleTo: caller)
        let filled = Set(current.map(Self.rowKey))
        for entry in previous where entry.correctsId == nil && entry.hours.value > 0 && !filled.contains(Self.rowKey(entry)) {
            let input = TimeEntryInput(userId: userID, day: entry.day.adding(days: 7), hours: entry.hours, assignmentId: entry.assignmentId,
                                       internalKind: entry.internalKind, note: entry.note, correctsId: nil)
            do {
                _ = try await record(db, caller: caller, input: input)
            } catch is ValidationFailure {
                continue  // a day that cannot take it (assignment over, time off, full): left empty
            }
        }
        return try await timesheet(db, caller: caller, userID: userID, week: monday)
    }

    /// Sets the week's grid: each cell's hours (nil or 0: none) for each row key. Open
    /// cells are created, changed or removed; locked cells are left as they are.
    func saveGrid(_ db: Connection, caller: Caller, userID: Int64?, week: CalendarDate,
                  cells: [String: [Decimal?]]) async throws -> Timesheet {
        let userID = try await owner(db, caller: caller, userID: userID)
        let monday = TimesheetRules.weekStart(of: week)
        let current = try await store.entries(db, userID: userID, from: monday, to: monday.adding(days: 6), visibleTo: caller)
        var failures = Validator()
        for (key, hours) in cells.sorted(by: { $0.key < $1.key }) {
            for (index, wanted) in hours.enumerated() where index < 7 {
                let day = monday.adding(days: index)
                let here = current.filter { Self.rowKey($0) == key && $0.day == day }
                if here.contains(where: { !$0.status.isOpen }) { continue }
                let existing = here.reduce(Decimal(0)) { $0 + $1.hours.value }
                let target = wanted ?? 0
                if target == existing { continue }
                do {
                    for entry in here.dropFirst() { try await store.delete(db, entry, by: caller.id) }
                    if let first = here.first {
                        if target == 0 {
                            try await store.delete(db, first, by: caller.id)
                        } else {
                            _ = try await change(db, caller: caller, id: first.id, expected: first.version,
                                                 input: TimeEntryChange(hours: DecimalString(target), note: nil))
                        }
                    } else {
                        var input = TimeEntryInput(userId: userID, day: day, hours: DecimalString(target))
                        if key.hasPrefix("a") { input.assignmentId = Int64(key.dropFirst()) } else { input.internalKind = String(key.dropFirst()) }
                        _ = try await record(db, caller: caller, input: input)
                    }
                } catch let failure as ValidationFailure {
                    for error in failure.errors { failures.add("\(key)-\(index)", error.message) }
                }
            }
        }
        try failures.throwIfInvalid()
        return try await timesheet(db, caller: caller, userID: userID, week: monday)
    }

    static func rowKey(_ entry: TimeEntryRecord) -> String {
        if let a = entry.assignmentId { return "a\(a)" }
        if let kind = entry.internalKind { return "i\(kind)" }
        return "p\(entry.projectId ?? 0)-\(entry.phaseId ?? 0)"
    }

    /// The week as a grid, for `caller` (who sees the person's time, or their project's part of it).
    func timesheet(_ db: Connection, caller: Caller, userID: Int64, week: CalendarDate) async throws -> Timesheet {
        let monday = TimesheetRules.weekStart(of: week)
        let sunday = monday.adding(days: 6)
        let entries = try await store.entries(db, userID: userID, from: monday, to: sunday, visibleTo: caller)
        let above = try await services.users.isAbove(db, caller: caller, userID: userID)
        let own = caller.isAdmin || userID == caller.id || above
        // Someone else's week is seen by those above them, and in part by the managers of its projects.
        guard own || !entries.isEmpty, let person = try await services.users.findAny(db, id: userID) else {
            throw APIError.notFound("timesheet")
        }
        let days = TimesheetRules.days(of: monday)
        var lines: [Timesheet.Line] = []
        var seen = Set<String>()
        func line(key: String, assignment: BookableAssignment?, from entry: TimeEntryRecord?) -> Timesheet.Line {
            let mine = entries.filter { Self.rowKey($0) == key }
            let hours = days.map { day in mine.filter { $0.day == day }.reduce(Decimal(0)) { $0 + $1.hours.value } }
            return Timesheet.Line(
                key: key, assignmentId: assignment?.id ?? entry?.assignmentId, projectId: assignment?.projectID ?? entry?.projectId,
                projectName: assignment?.projectName ?? entry?.projectName, phaseName: assignment?.phaseName ?? entry?.phaseName,
                skill: assignment?.skill ?? entry?.skill, internalKind: entry?.internalKind,
                hours: hours.map { DecimalString($0) }, total: DecimalString(hours.reduce(0, +)),
                closed: days.map { day in assignment.map { day < $0.start || day > $0.end } ?? false },
                locked: days.map { day in mine.contains { $0.day == day && !$0.status.isOpen } })
        }
        if own {
            for a in try await store.assignments(db, userID: userID, from: monday, to: sunday) {
                seen.insert("a\(a.id)")
                lines.append(line(key: "a\(a.id)", assignment: a, from: nil))
            }
        }
        for entry in entries where !seen.contains(Self.rowKey(entry)) {
            seen.insert(Self.rowKey(entry))
            lines.append(line(key: Self.rowKey(entry), assignment: nil, from: entry))
        }
        let dayTotals = days.map { day in entries.filter { $0.day == day }.reduce(Decimal(0)) { $0 + $1.hours.value } }
        let statuses = Set(entries.map(\.status))
        let status: String
        if statuses.isEmpty { status = "empty" }
        else if statuses.count == 1, let only = statuses.first { status = only.isOpen ? "open" : only.rawValue }
        else if statuses.isSubset(of: [.draft, .returned]) { status = "open" }
        else { status = "mixed" }
        return Timesheet(userId: userID, userName: person.name, week: monday, days: days, lines: lines,
                         dayTotals: dayTotals.map { DecimalString($0) }, total: DecimalString(dayTotals.reduce(0, +)),
                         status: status, entries: entries)
    }
}
