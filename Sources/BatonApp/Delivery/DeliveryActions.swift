import BatonCore
import Dates
import Foundation
import HTTPTypes
import Postgres

/// An assignment's fields as a writer sends them: every one optional, so that a
/// change names only what it changes.
struct AssignmentInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case userId, role, start, end, hoursPerWeek, hoursPerDay, phaseId, skill, location, status, allowOverbook
    }
    var userId: Int64?
    var role: String?
    var start, end: CalendarDate?
    /// Hours on each of the person's working days (`hoursPerDay`), or five working
    /// days of them (`hoursPerWeek`): give one, not both.
    var hoursPerWeek, hoursPerDay: DecimalString?
    /// The skill need filled: a phase of the project and one of its skills, together.
    var phaseId: Int64?
    var skill: String?
    var location, status: String?
    /// Book the person even in weeks past their capacity (the assignment is flagged).
    var allowOverbook: Bool?
}

/// A block of an assignment's days to move: `POST …/assignments/{id}/move-days`.
struct DaysMoveInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case first, last, userId, shift, allowOverbook }
    /// The block's days, both included (clipped to the assignment's).
    var first, last: CalendarDate
    /// To whom (left out: the same person), and how many days later (negative: earlier).
    var userId: Int64?
    var shift: Int?
    var allowOverbook: Bool?
}

/// How to take a move of days back (`POST …/move-days/undo`): the assignment's person
/// and days before the move, the version the move left it at, and the assignments
/// the move made, each at the version it left them.
struct DaysMoveUndo: Codable, Sendable, StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case version, userId, start, end, allowOverbook, remove }
    struct Piece: Codable, Sendable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case id, version }
        var id: Int64
        var version: Int
    }
    static var nested: [String: any StrictDecodable.Type] { ["remove": Piece.self] }
    var version: Int
    var userId: Int64
    var start, end: CalendarDate
    /// Whether the assignment was overbooked before the move (so may be again).
    var allowOverbook: Bool
    var remove: [Piece]
}

/// What a move of days did: the assignment's days that stayed (the assignment itself
/// first; none when the whole of it moved), the moved block, and the undo.
struct DaysMoved: Encodable, Sendable {
    var kept: [AssignmentRecord]
    var moved: AssignmentRecord
    var undo: DaysMoveUndo
}

/// Everything a project manager does to a project after the handoff, whoever asks
/// (the API, the project page): staffing, phases, the checklist, the client's link.
/// Each action checks who may, validates, writes through the store and the audit
/// trail inside the caller's transaction, and throws typed errors.
struct DeliveryActions {
    let services: AppServices
    var delivery: DeliveryStore { services.delivery }

    static var today: CalendarDate { Timestamp.now.calendarDate }

    /// The project as the caller may run it: seen (else 404), and run by them, a
    /// manager above them or an admin (else 403).
    func managed(_ db: Connection, caller: Caller, projectID: Int64) async throws -> ProjectRecord {
        guard let project = try await services.projects.find(db, id: projectID, visibleTo: caller) else {
            throw APIError.notFound("project")
        }
        try await requireManager(db, caller, project)
        return project
    }

    func requireManager(_ db: Connection, _ caller: Caller, _ project: ProjectRecord) async throws {
        guard try await delivery.canManage(db, caller: caller, projectManagerID: project.projectManagerId) else {
            throw APIError.forbidden("Only the project's manager, a manager above them, or an admin may do this.")
        }
    }

    // MARK: Assignments

    /// Books a person on the project. A week past their capacity is refused (409
    /// `overbooked` on `hoursPerWeek`) unless `allowOverbook`, when the assignment is
    /// flagged instead.
    func assign(_ db: Connection, caller: Caller, projectID: Int64, input: AssignmentInput) async throws -> AssignmentRecord {
        let project = try await managed(db, caller: caller, projectID: projectID)
        var v = Validator()
        for (present, field) in [(input.userId != nil, "userId"), (input.role != nil, "role"), (input.start != nil, "start"),
                                 (input.end != nil, "end")] {
            v.check(present, field, "\(field) is required")
        }
        v.check(input.hoursPerWeek != nil || input.hoursPerDay != nil, "hoursPerWeek", "hoursPerWeek or hoursPerDay is required")
        try v.throwIfInvalid()
        let weekly = try Self.weeklyHours(input)
        guard let userID = input.userId, let role = input.role, let start = input.start, let end = input.end, let weekly
        else { throw APIError.validation([FieldError("body", "userId, role, start, end and hoursPerWeek are required")]) }
        var fields = AssignmentFields(
            userID: userID, role: role.trimmed, start: start, end: end,
            hoursPerWeek: weekly.hours, location: input.location?.trimmed.nilIfEmpty, status: input.status ?? "proposed",
            hoursField: weekly.field)
        fields.need = try await need(db, projectID: project.id, phaseID: input.phaseId, skill: input.skill)
        fields.check(into: &v)
        try v.throwIfInvalid()
        let overbooked = try await book(db, fields, projectID: project.id, allowOverbook: input.allowOverbook ?? false, except: nil)
        let made = try await delivery.createAssignment(db, projectID: project.id, fields, overbooked: overbooked, by: caller.id)
        try await NotificationEvents.assignment(db, before: nil, after: made, by: caller.id)
        return made
    }

    /// Changes the fields in `keys` of one assignment, judged again against capacity.
    func reassign(
        _ db: Connection, caller: Caller, projectID: Int64, id: Int64, expected: Int?, input: AssignmentInput, keys: Set<String>
    ) async throws -> AssignmentRecord {
        let before = try await writableAssignment(db, caller: caller, projectID: projectID, id: id, expected: expected)
        var f = AssignmentFields(userID: before.userId, role: before.role, start: before.start, end: before.end,
                                 hoursPerWeek: before.hoursPerWeek.value, location: before.location, status: before.status)
        if let phase = before.phaseId, let skill = before.skill {
            f.need = try await delivery.need(db, projectID: projectID, phaseID: phase, skill: skill)
        }
        var v = Validator()
        if keys.contains("userId") { if let u = input.userId { f.userID = u } else { v.add("userId", "Person must not be null") } }
        if keys.contains("role") { if let r = input.role { f.role = r.trimmed } else { v.add("role", "Role must not be null") } }
        if keys.contains("start") { if let s = input.start { f.start = s } else { v.add("start", "Start must not be null") } }
        if keys.contains("end") { if let e = input.end { f.end = e } else { v.add("end", "End must not be null") } }
        if keys.contains("hoursPerWeek") || keys.contains("hoursPerDay") {
            if let weekly = try Self.weeklyHours(input) {
                f.hoursPerWeek = weekly.hours
                f.hoursField = weekly.field
            } else {
                v.add(keys.contains("hoursPerDay") ? "hoursPerDay" : "hoursPerWeek", "Hours must not be null")
            }
        }
        if keys.contains("phaseId") || keys.contains("skill") {
            // A change that names one of the two keeps the other (both null: out of every need).
            let phase = keys.contains("phaseId") ? input.phaseId : before.phaseId
            let skill = keys.contains("skill") ? input.skill : before.skill
            f.need = try await need(db, projectID: projectID, phaseID: phase, skill: skill)
        }
        if keys.contains("location") { f.location = input.location?.trimmed.nilIfEmpty }
        if keys.contains("status") { if let s = input.status { f.status = s } else { v.add("status", "Status must not be null") } }
        f.check(into: &v)
        try v.throwIfInvalid()
        let overbooked = try await book(db, f, projectID: projectID, allowOverbook: input.allowOverbook ?? false, except: before.id)
        let changed = try await delivery.updateAssignment(db, before: before, f, overbooked: overbooked, by: caller.id)
        try await NotificationEvents.assignment(db, before: before, after: changed, by: caller.id)
        return changed
    }

    // MARK: Moving days (the rotation board)

    /// Moves the days `first` through `last` of an assignment (clipped to its dates) to
    /// `userId` (the same person when left out) and `shift` days later (negative:
    /// earlier). The assignment keeps its first days that stay; the days after the block,
    /// when some stay too, and the moved block become assignments of their own with the
    /// same role, hours a day, need, status and site. The block is judged as any booking
    /// (working hours, time off, travel; 409 `overbooked` unless `allowOverbook`); the days
    /// that stay are days the person already had. The answer says how to take it back.
    func moveDays(
        _ db: Connection, caller: Caller, projectID: Int64, id: Int64, expected: Int?, input: DaysMoveInput
    ) async throws -> DaysMoved {
        let original = try await writableAssignment(db, caller: caller, projectID: projectID, id: id, expected: expected)
        let shift = input.shift ?? 0
        guard abs(shift) <= 366 else { throw ValidationFailure("shift", "Days to move must be a whole number from -366 to 366") }
        let move = try DaysMove.split(.init(start: original.start, end: original.end), first: input.first, last: input.last, shift: shift)
        let person = input.userId ?? original.userId
        guard person != original.userId || shift != 0 else {
            throw ValidationFailure("shift", "Move the days to another person or to other days")
        }
        var undo = DaysMoveUndo(version: 0, userId: original.userId, start: original.start, end: original.end,
                                allowOverbook: original.overbooked, remove: [])
        if move.isWhole {
            var change = AssignmentInput()
            (change.userId, change.start, change.end, change.allowOverbook) = (person, move.landed.start, move.landed.end, input.allowOverbook)
            let moved = try await reassign(db, caller: caller, projectID: projectID, id: id, expected: original.version, input: change,
                                           keys: ["userId", "start", "end"])
            undo.version = moved.version
            return DaysMoved(kept: [], moved: moved, undo: undo)
        }
        var shrink = AssignmentInput()
        (shrink.start, shrink.end, shrink.allowOverbook) = (move.kept[0].start, move.kept[0].end, true)
        var kept = [try await reassign(db, caller: caller, projectID: projectID, id: id, expected: original.version, input: shrink,
                                       keys: ["start", "end"])]
        let site = try await SiteStore().ownSite(db, assignmentID: id)
        if move.kept.count > 1 {
            kept.append(try await piece(db, caller: caller, of: original, person: original.userId, days: move.kept[1], allowOverbook: true, site: site))
        }
        let moved = try await piece(db, caller: caller, of: original, person: person, days: move.landed,
                                    allowOverbook: input.allowOverbook ?? false, site: site)
        undo.version = kept[0].version
        undo.remove = (kept.dropFirst() + [moved]).map { DaysMoveUndo.Piece(id: $0.id, version: $0.version) }
        return DaysMoved(kept: kept, moved: moved, undo: undo)
    }

    /// Takes a move of days back: removes the pieces it made (each still at the version
    /// the move left, else 412) and gives the assignment its person and days again,
    /// judged as any change (overbooking allowed only if the assignment was overbooked before).
    func undoMoveDays(_ db: Connection, caller: Caller, projectID: Int64, id: Int64, undo: DaysMoveUndo) async throws -> AssignmentRecord {
        let original = try await writableAssignment(db, caller: caller, projectID: projectID, id: id, expected: undo.version)
        for p in undo.remove {
            guard p.id != id, let piece = try await delivery.assignment(db, projectID: projectID, id: p.id, forUpdate: true) else {
                throw APIError.notFound("assignment")
            }
            try ETag.requireCurrent(p.version, piece.version)
            // A piece of a move has the assignment's role and hours: anything else is not one.
            guard piece.role == original.role, piece.hoursPerDay.value == original.hoursPerDay.value else {
                throw ValidationFailure("remove", "Assignment \(p.id) is not a part moved from this one")
            }
            try await delivery.deleteAssignment(db, piece, by: caller.id)
            try await NotificationEvents.assignment(db, before: piece, after: nil, by: caller.id)
        }
        var back = AssignmentInput()
        (back.userId, back.start, back.end, back.allowOverbook) = (undo.userId, undo.start, undo.end, undo.allowOverbook)
        return try await reassign(db, caller: caller, projectID: projectID, id: id, expected: original.version, input: back,
                                  keys: ["userId", "start", "end"])
    }

    /// A new assignment for some days of `a`: its terms, `person`'s calendar, at `site`
    /// (the assignment's own site, when it names one), booked and told as `assign` does.
    private func piece(
        _ db: Connection, caller: Caller, of a: AssignmentRecord, person: Int64, days: DaysMove.Span, allowOverbook: Bool, site: Int64?
    ) async throws -> AssignmentRecord {
        var f = AssignmentFields(userID: person, role: a.role, start: days.start, end: days.end, hoursPerWeek: a.hoursPerWeek.value,
                                 location: a.location, status: a.status)
        if let phase = a.phaseId, let skill = a.skill { f.need = try await delivery.need(db, projectID: a.projectId, phaseID: phase, skill: skill) }
        var v = Validator()
        f.check(into: &v)
        try v.throwIfInvalid()
        let overbooked = try await book(db, f, projectID: a.projectId, allowOverbook: allowOverbook, except: nil, siteOf: a.id)
        var made = try await delivery.createAssignment(db, projectID: a.projectId, f, overbooked: overbooked, by: caller.id)
        if let site {
            try await SiteStore().place(db, .assignment, id: made.id, siteID: site, by: caller.id)
            made = try await delivery.assignment(db, projectID: a.projectId, id: made.id) ?? made
        }
        try await NotificationEvents.assignment(db, before: nil, after: made, by: caller.id)
        return made
    }

    /// Takes a person off the project.
    func unassign(_ db: Connection, caller: Caller, projectID: Int64, id: Int64, expected: Int?) async throws {
        let a = try await writableAssignment(db, caller: caller, projectID: projectID, id: id, expected: expected)
        try await delivery.deleteAssignment(db, a, by: caller.id)
        try await NotificationEvents.assignment(db, before: a, after: nil, by: caller.id)
    }

    private func writableAssignment(
        _ db: Connection, caller: Caller, projectID: Int64, id: Int64, expected: Int?
    ) async throws -> AssignmentRecord {
        let project = try await managed(db, caller: caller, projectID: projectID)
        guard let a = try await delivery.assignment(db, projectID: project.id, id: id, forUpdate: true) else {
            throw APIError.notFound("assignment")
        }
        try ETag.requireCurrent(expected, a.version)
        return a
    }

    /// The hours of an input as hours per week, and the field they came in; nil when
    /// neither is given. Both given must agree (a week is five working days).
    static func weeklyHours(_ input: AssignmentInput) throws -> (hours: Decimal, field: String)? {
        switch (input.hoursPerWeek?.value, input.hoursPerDay?.value) {
        case let (week?, day?):
            guard Allocation.hoursPerWeek(fromDaily: day) == week else {
                throw ValidationFailure("hoursPerDay", "Give hours per week or hours per day, not two that disagree (a week is five working days)")
            }
            return (week, "hoursPerWeek")
        case let (week?, nil): return (week, "hoursPerWeek")
        case let (nil, day?): return (Allocation.hoursPerWeek(fromDaily: day), "hoursPerDay")
        case (nil, nil): return nil
        }
    }

    /// The skill need named by `phaseId` and `skill`: both or neither (a `null` pair
    /// takes the assignment out of every need); 422 when the project has no such need.
    private func need(
        _ db: Connection, projectID: Int64, phaseID: Int64?, skill: String?
    ) async throws -> (phaseID: Int64, skillID: Int64)? {
        switch (phaseID, skill?.trimmed.nilIfEmpty) {
        case (nil, nil): return nil
        case let (phase?, skill?):
            guard let need = try await delivery.need(db, projectID: projectID, phaseID: phase, skill: skill) else {
                throw ValidationFailure("skill", "This phase of the project needs no skill called \(skill); pick one of its skill needs")
            }
            return need
        case (nil, _): throw ValidationFailure("phaseId", "Give the phase with the skill (phaseId and skill name one skill need)")
        case (_, nil): throw ValidationFailure("skill", "Give the skill with the phase (phaseId and skill name one skill need)")
        }
    }

    /// Books a person, refusing a day past their working hours unless `allowOverbook`;
    /// whether the booking is past them. Judged day by day on the person's working
    /// calendar (`Overbooking`). A person with no capacity on record is not one who
    /// can be booked.
    /// A new booking is at the project's site, unless `siteOf` names the assignment whose
    /// site it takes (a piece of a moved assignment).
    private func book(
        _ db: Connection, _ f: AssignmentFields, projectID: Int64, allowOverbook: Bool, except assignmentID: Int64?, siteOf: Int64? = nil
    ) async throws -> Bool {
        // One booking at a time per person: two at once could each fit and together overbook.
        try await db.query("SELECT id FROM users WHERE id = \(f.userID) FOR UPDATE")
        guard try await delivery.capacity(db, userID: f.userID) != nil,
              let calendar = try await WorkingCalendarStore().calendar(db, userID: f.userID, from: f.booking.start, to: f.booking.end)
        else {
            throw ValidationFailure("userId", "Person must be an active person")
        }
        let existing = try await delivery.bookings(db, userID: f.userID, except: assignmentID)
        var over = Overbooking.overbookedDays(calendar: calendar, existing: existing, adding: f.booking)
        // Travel between the day's places is non-billable time within the same hours (issue 24):
        // a day whose work fits but whose work plus travel does not is past them too.
        if over.isEmpty {
            over = try await SiteActions(services: services).travelOverbookedDays(db, f, projectID: projectID, except: assignmentID, siteOf: siteOf,
                                                                               calendar: calendar)
        }
        if !over.isEmpty && !allowOverbook {
            let days = Overbooking.describe(over)
            throw APIError(.conflict, code: "overbooked", title: "Past working hours",
                           detail: "This would book the person past their working hours (travel between sites included) on \(days). Book fewer hours or other days, or allow overbooking (allowOverbook: true) to book anyway.",
                           errors: [FieldError(f.hoursField, "Past their working hours on \(days); book fewer hours, or allow overbooking")])
        }
        return !over.isEmpty
    }

    // MARK: Phases and the checklist

    /// Completes a phase on `completedOn` (today when not given). A refusal is typed
    /// once here: a date in the future is 422 on `completedOn`, the others (items left
    /// unchecked, already completed) are 409 `phase-complete`.
    func completePhase(
        _ db: Connection, caller: Caller, projectID: Int64, phaseID: Int64, completedOn: CalendarDate?
    ) async throws -> ProjectRecord {
        let (project, phases, phase) = try await lockedPhase(db, caller: caller, projectID: projectID, phaseID: phaseID)
        let today = Self.today
        let checklist = try await delivery.checklistStates(db, projectID: project.id)
        let outcome = try Self.refusal(action: "complete") {
            try ProjectProgress.complete(phase: phase, in: phases, checklist: checklist, on: completedOn ?? today, today: today)
        }
        try await delivery.completePhase(db, projectID: project.id, phaseID: phaseID, on: outcome.phaseCompletedOn,
                                         projectCompletes: outcome.projectCompletes, by: caller.id)
        try await NotificationEvents.phaseCompleted(db, phaseID: phaseID, on: outcome.phaseCompletedOn, by: caller.id)
        return try await services.projects.findAny(db, id: project.id)
    }

    /// Reopens a completed phase (409 `phase-reopen` when it is not completed).
    func reopenPhase(_ db: Connection, caller: Caller, projectID: Int64, phaseID: Int64) async throws -> ProjectRecord {
        let (project, _, phase) = try await lockedPhase(db, caller: caller, projectID: projectID, phaseID: phaseID)
        try Self.refusal(action: "reopen") { try ProjectProgress.reopen(phase: phase) }
        try await delivery.reopenPhase(db, projectID: project.id, phase: phase, by: caller.id)
        return try await services.projects.findAny(db, id: project.id)
    }

    /// Moves a phase to start on `start`, and those after it along with it if asked.
    func movePhase(
        _ db: Connection, caller: Caller, projectID: Int64, phaseID: Int64, start: CalendarDate, shiftFollowing: Bool
    ) async throws -> ProjectRecord {
        let project = try await managed(db, caller: caller, projectID: projectID)
        let phases = try await delivery.phaseStates(db, projectID: project.id)
        guard phases.contains(where: { $0.id == phaseID }) else { throw APIError.notFound("phase") }
        let moves = ProjectProgress.redate(phases: phases, moving: phaseID, newStart: start, shiftFollowing: shiftFollowing)
        guard moves.allSatisfy({ $0.start.year >= 1900 && $0.due.year <= 9000 }) else {
            throw ValidationFailure("start", "Phases must stay between the years 1900 and 9000")
        }
        try await delivery.redate(db, projectID: project.id, moves: moves, by: caller.id)
        try await StatusSubscriptions.phasesMoved(db, projectID: project.id, before: phases, after: try await delivery.phaseStates(db, projectID: project.id))
        return try await services.projects.findAny(db, id: project.id)
    }

    /// Checks or unchecks one item of the completion checklist.
    func setChecked(_ db: Connection, caller: Caller, projectID: Int64, itemID: Int64, checked: Bool) async throws -> ProjectRecord {
        let project = try await managed(db, caller: caller, projectID: projectID)
        guard try await delivery.setChecked(db, projectID: project.id, itemID: itemID, checked: checked, by: caller.id) else {
            throw APIError.notFound("checklist item")
        }
        return try await services.projects.findAny(db, id: project.id)
    }

    private func lockedPhase(
        _ db: Connection, caller: Caller, projectID: Int64, phaseID: Int64
    ) async throws -> (ProjectRecord, [PhaseState], PhaseState) {
        let project = try await managed(db, caller: caller, projectID: projectID)
        // Completions of one project are judged one at a time.
        try await db.query("SELECT id FROM projects WHERE id = \(project.id) FOR UPDATE")
        let phases = try await delivery.phaseStates(db, projectID: project.id)
        guard let phase = phases.first(where: { $0.id == phaseID }) else { throw APIError.notFound("phase") }
        return (project, phases, phase)
    }

    // MARK: Holding a project

    /// Puts a planned or active project on hold: its open phases stop counting as due
    /// or late until it resumes. From any other status, 409 `project-hold`.
    func hold(_ db: Connection, caller: Caller, projectID: Int64) async throws -> ProjectRecord {
        try await move(db, caller: caller, projectID: projectID, from: ["planned", "active"], to: "on_hold",
                       refusal: ("hold", "Only a planned or active project can be put on hold"))
    }

    /// Takes a project off hold, back to active. Unless it is on hold, 409 `project-resume`.
    func resume(_ db: Connection, caller: Caller, projectID: Int64) async throws -> ProjectRecord {
        try await move(db, caller: caller, projectID: projectID, from: ["on_hold"], to: "active",
                       refusal: ("resume", "Only a project on hold can resume"))
    }

    private func move(
        _ db: Connection, caller: Caller, projectID: Int64, from: [String], to status: String, refusal: (action: String, message: String)
    ) async throws -> ProjectRecord {
        let project = try await managed(db, caller: caller, projectID: projectID)
        guard try await delivery.setStatus(db, projectID: project.id, from: from, to: status, by: caller.id) else {
            let now = try await services.projects.findAny(db, id: project.id).status
            throw APIError.conflict("\(refusal.message); this one is \(now.replacingOccurrences(of: "_", with: " ")).",
                                    code: "project-\(refusal.action)")
        }
        return try await services.projects.findAny(db, id: project.id)
    }

    /// The one translation of `CompletionRefusal`, for the API and the page alike.
    static func refusal<T>(action: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CompletionRefusal {
            switch error {
            case .future: throw ValidationFailure("completedOn", error.message)
            default: throw APIError.conflict(error.message, code: "phase-\(action)")
            }
        }
    }

    // MARK: The client's status link

    /// A new client status link: its token (shown once) and when it stops working. A
    /// link with no date gets `STATUS_LINK_DAYS`; none lives past `STATUS_LINK_MAX_DAYS`,
    /// so a forgotten link (forwarded, in an old mailbox) does not open the project's
    /// status for ever.
    func createStatusLink(
        _ db: Connection, caller: Caller, projectID: Int64, expiresOn: CalendarDate?
    ) async throws -> (token: String, expiresOn: CalendarDate) {
        let project = try await managed(db, caller: caller, projectID: projectID)
        let today = Self.today
        let latest = today.adding(days: services.configuration.statusLinkMaxDays)
        if let expires = expiresOn, expires < today {
            throw ValidationFailure("expiresOn", "Expires on cannot be in the past")
        }
        if let expires = expiresOn, expires > latest {
            throw ValidationFailure("expiresOn", "Expires on can be at most \(services.configuration.statusLinkMaxDays) days ahead (\(latest))")
        }
        let expires = expiresOn ?? today.adding(days: services.configuration.statusLinkDays)
        let token = try await SecretLinks.projectStatus.create(db, ownerID: project.id, expiresOn: expires, by: caller.id)
        return (token, expires)
    }

    /// Revokes every live status link of the project; how many there were.
    func revokeStatusLinks(_ db: Connection, caller: Caller, projectID: Int64) async throws -> Int {
        let project = try await managed(db, caller: caller, projectID: projectID)
        return try await SecretLinks.projectStatus.revokeAll(db, ownerID: project.id, by: caller.id)
    }
}
