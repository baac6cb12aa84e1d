import BatonCore
import Dates
import Foundation
import Postgres

/// A person on a project, as the API shows it.
struct AssignmentRecord: Encodable, Sendable {
    var id, projectId, userId: Int64
    var version: Int
    var userName, role: String
    /// Both days included.
    var start, end: CalendarDate
    /// The hours taken on each of the person's working days from `start` to `end`
    /// (`hoursPerDay`), and five working days of them (`hoursPerWeek`; see `Allocation`).
    var hoursPerWeek, hoursPerDay: DecimalString
    /// The skill need this assignment fills: a phase of the project and one of its
    /// skills; both nil for work outside the needs (managing the project, say).
    var phaseId: Int64?
    var skill, location: String?
    var status: String
    var overbooked: Bool
}

/// Staffing, assignments, phase completion, the checklist, calendars and the
/// client's status link: the project manager's work after the handoff.
struct DeliveryStore: Sendable {
    static let assignmentColumns: Query = """
        a.id, a.version, a.project_id, a.user_id, u.name AS user_name, a.role, a.start_date, a.end_date, a.hours_per_week,
        a.hours_per_day, a.phase_id, a.skill_id, (SELECT s.name FROM skills s WHERE s.id = a.skill_id) AS skill,
        a.location, a.status, a.overbooked
        """

    func assignments(_ db: Connection, projectID: Int64) async throws -> [AssignmentRecord] {
        try await db.query("""
            SELECT \(Self.assignmentColumns) FROM assignments a JOIN users u ON u.id = a.user_id
            WHERE a.project_id = \(projectID) ORDER BY a.start_date, a.id
            """).map(Self.assignment)
    }

    func assignment(_ db: Connection, projectID: Int64, id: Int64, forUpdate: Bool = false) async throws -> AssignmentRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF a" : ""
        return try await db.query("""
            SELECT \(Self.assignmentColumns) FROM assignments a JOIN users u ON u.id = a.user_id
            WHERE a.project_id = \(projectID) AND a.id = \(id)\(lock)
            """).first.map(Self.assignment)
    }

    /// A person's other bookings, end exclusive, for the capacity rules.
    func bookings(_ db: Connection, userID: Int64, except assignmentID: Int64? = nil) async throws -> [Booking] {
        try await db.query("""
            SELECT start_date, end_date, hours_per_day FROM assignments
            WHERE user_id = \(userID) AND id IS DISTINCT FROM \(assignmentID)
            """).map {
            let end: CalendarDate = try $0.decode("end_date")
            return Booking(start: try $0.decode("start_date"), end: end.adding(days: 1), hoursPerDay: try $0.decode("hours_per_day"))
        }
    }

    /// The bookings of many people at once, end exclusive, by person.
    func bookings(_ db: Connection, people: [Int64]) async throws -> [Int64: [Booking]] {
        guard !people.isEmpty else { return [:] }
        var result: [Int64: [Booking]] = [:]
        for row in try await db.query("""
            SELECT user_id, start_date, end_date, hours_per_day FROM assignments WHERE user_id = ANY(\(people)::bigint[])
            """) {
            let end: CalendarDate = try row.decode("end_date")
            result[try row.decode("user_id"), default: []].append(
                Booking(start: try row.decode("start_date"), end: end.adding(days: 1), hoursPerDay: try row.decode("hours_per_day")))
        }
        return result
    }

    /// The skill need `skill` (a name, any case) of phase `phaseID` of the project, if it has one.
    func need(_ db: Connection, projectID: Int64, phaseID: Int64, skill: String) async throws -> (phaseID: Int64, skillID: Int64)? {
        guard let row = try await db.query("""
            SELECT n.phase_id, n.skill_id FROM project_skill_needs n JOIN project_phases ph ON ph.id = n.phase_id
            JOIN skills s ON s.id = n.skill_id
            WHERE ph.project_id = \(projectID) AND n.phase_id = \(phaseID) AND lower(s.name) = lower(\(skill.trimmed))
            """).first else { return nil }
        return (try row.decode("phase_id"), try row.decode("skill_id"))
    }

    /// The hours each skill need's own assignments cover, by phase id and lowercased
    /// skill: each assignment's hours per day on each of its person's working days
    /// (`Allocation.bookedHours` over their `WorkingCalendar`) within the phase's dates.
    /// Only assignments made for the need count, whatever else the person can do.
    func coverage(_ db: Connection, projectIDs: [Int64]) async throws -> [NeedKey: Decimal] {
        guard !projectIDs.isEmpty else { return [:] }
        let rows = try await db.query("""
            SELECT a.user_id, a.start_date, a.end_date, a.hours_per_day, a.phase_id, lower(s.name) AS skill,
                   ph.start_date AS phase_start, ph.due_date AS phase_due
            FROM assignments a JOIN project_phases ph ON ph.id = a.phase_id JOIN skills s ON s.id = a.skill_id
            WHERE a.project_id = ANY(\(projectIDs)::bigint[])
            """)
        struct Item { var user: Int64; var booking: Booking; var key: NeedKey; var from: CalendarDate; var to: CalendarDate }
        let items = try rows.map { row -> Item in
            let end: CalendarDate = try row.decode("end_date")
            return Item(user: try row.decode("user_id"),
                        booking: Booking(start: try row.decode("start_date"), end: end.adding(days: 1), hoursPerDay: try row.decode("hours_per_day")),
                        key: NeedKey(phaseID: try row.decode("phase_id"), skill: try row.decode("skill")),
                        from: try row.decode("phase_start"), to: try row.decode("phase_due"))
        }
        guard let from = items.map(\.from).min(), let to = items.map(\.to).max() else { return [:] }
        let calendars = try await WorkingCalendarStore().calendars(db, people: Array(Set(items.map(\.user))), from: from, to: to)
        var result: [NeedKey: Decimal] = [:]
        for item in items {
            guard let calendar = calendars[item.user] else { continue }
            result[item.key, default: 0] += Allocation.bookedHours(item.booking, calendar: calendar, from: item.from, to: item.to)
        }
        return result
    }

    struct NeedKey: Hashable, Sendable {
        var phaseID: Int64
        var skill: String
    }

    /// `projects` with each skill need's `assignedHours` from `coverage`.
    func withCoverage(_ db: Connection, _ projects: [ProjectRecord]) async throws -> [ProjectRecord] {
        let covered = try await coverage(db, projectIDs: projects.map(\.id))
        return projects.map { project in
            var p = project
            p.skillNeeds = p.skillNeeds.map { need in
                var n = need
                n.assignedHours = DecimalString((covered[NeedKey(phaseID: n.phaseId, skill: n.skill.lowercased())] ?? 0).rounded(scale: 2))
                return n
            }
            return p
        }
    }

    func capacity(_ db: Connection, userID: Int64) async throws -> Decimal? {
        try await db.query("SELECT weekly_capacity_hours FROM users WHERE id = \(userID) AND active").first?.decode("weekly_capacity_hours")
    }

    func createAssignment(_ db: Connection, projectID: Int64, _ f: AssignmentFields, overbooked: Bool, by actorID: Int64) async throws -> AssignmentRecord {
        let id: Int64? = try await db.query("""
            INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, location, status, overbooked,
                                     phase_id, skill_id)
            VALUES (\(projectID), \(f.userID), \(f.role), \(f.start), \(f.end), \(f.hoursPerWeek), \(f.location), \(f.status), \(overbooked),
                    \(f.phaseID), \(f.skillID))
            RETURNING id
            """).first?.decode("id")
        guard let id, let created = try await assignment(db, projectID: projectID, id: id) else {
            throw APIError.notFound("assignment")
        }
        try await AuditTrail.record(db, actorID: actorID, entity: "assignment", entityID: id, action: .create, before: nil, after: .of(created))
        return created
    }

    func updateAssignment(_ db: Connection, before: AssignmentRecord, _ f: AssignmentFields, overbooked: Bool, by actorID: Int64) async throws -> AssignmentRecord {
        try await db.query("""
            UPDATE assignments SET user_id = \(f.userID), role = \(f.role), start_date = \(f.start), end_date = \(f.end),
                hours_per_week = \(f.hoursPerWeek), location = \(f.location), status = \(f.status), overbooked = \(overbooked),
                phase_id = \(f.phaseID), skill_id = \(f.skillID),
                version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        guard let after = try await assignment(db, projectID: before.projectId, id: before.id) else {
            throw APIError.notFound("assignment")
        }
        try await AuditTrail.record(db, actorID: actorID, entity: "assignment", entityID: before.id, action: .update,
                                    before: .of(before), after: .of(after))
        return after
    }

    func deleteAssignment(_ db: Connection, _ a: AssignmentRecord, by actorID: Int64) async throws {
        try await db.query("DELETE FROM assignments WHERE id = \(a.id)")
        try await AuditTrail.record(db, actorID: actorID, entity: "assignment", entityID: a.id, action: .delete, before: .of(a), after: nil)
    }

    /// Whether `caller` runs this project: its manager, a manager above them, or an admin.
    func canManage(_ db: Connection, caller: Caller, projectManagerID: Int64?) async throws -> Bool {
        if caller.isAdmin || caller.id == projectManagerID { return true }
        guard let pm = projectManagerID else { return false }
        return try await db.query("""
            SELECT EXISTS (SELECT 1 FROM managers_above(\(pm)) WHERE user_id = \(caller.id)) AS above
            """).first?.decode("above") ?? false
    }

    // MARK: Phases and the checklist

    func phaseStates(_ db: Connection, projectID: Int64) async throws -> [PhaseState] {
        try await db.query("""
            SELECT id, position, name, start_date, due_date, completed_on FROM project_phases
            WHERE project_id = \(projectID) ORDER BY position
            """).map {
            PhaseState(id: try $0.decode("id"), position: try $0.decode("position"), name: try $0.decode("name"),
                       start: try $0.decode("start_date"), due: try $0.decode("due_date"), completedOn: try $0.decode("completed_on"))
        }
    }

    func checklistStates(_ db: Connection, projectID: Int64) async throws -> [ChecklistState] {
        try await db.query("""
            SELECT id, text, required, checked_at IS NOT NULL AS checked FROM project_checklist_items
            WHERE project_id = \(projectID) ORDER BY position
            """).map {
            ChecklistState(id: try $0.decode("id"), text: try $0.decode("text"), required: try $0.decode("required"),
                           checked: try $0.decode("checked"))
        }
    }

    func completePhase(_ db: Connection, projectID: Int64, phaseID: Int64, on date: CalendarDate, projectCompletes: Bool, by actorID: Int64) async throws {
        try await db.query("""
            UPDATE project_phases SET completed_on = \(date), completed_by = \(actorID) WHERE id = \(phaseID)
            """)
        let status: String = projectCompletes ? "completed" : "active"
        try await db.query("""
            UPDATE projects SET status = CASE WHEN status IN ('planned', 'active') OR \(projectCompletes) THEN \(status) ELSE status END,
                completed_on = CASE WHEN \(projectCompletes) THEN \(date)::date ELSE completed_on END,
                version = version + 1, updated_at = now()
            WHERE id = \(projectID)
            """)
        try await AuditTrail.record(db, actorID: actorID, entity: "project_phase", entityID: phaseID, action: .update,
                                    before: ["completedOn": .null], after: ["completedOn": .text(date.description)])
    }

    func reopenPhase(_ db: Connection, projectID: Int64, phase: PhaseState, by actorID: Int64) async throws {
        try await db.query("UPDATE project_phases SET completed_on = NULL, completed_by = NULL WHERE id = \(phase.id)")
        try await db.query("""
            UPDATE projects SET status = CASE WHEN status = 'completed' THEN 'active' ELSE status END, completed_on = NULL,
                version = version + 1, updated_at = now()
            WHERE id = \(projectID)
            """)
        try await AuditTrail.record(db, actorID: actorID, entity: "project_phase", entityID: phase.id, action: .update,
                                    before: ["completedOn": phase.completedOn.map { .text($0.description) } ?? .null],
                                    after: ["completedOn": .null])
    }

    /// Moves a project from one of the statuses `from` to `status`, with its audit entry;
    /// false, and nothing written, when it is in none of them (checked as it is written,
    /// so two people holding it at once cannot both succeed).
    func setStatus(_ db: Connection, projectID: Int64, from: [String], to status: String, by actorID: Int64) async throws -> Bool {
        guard let before: String = try await db.query("""
            UPDATE projects j SET status = \(status), version = j.version + 1, updated_at = now()
            FROM projects old WHERE j.id = \(projectID) AND old.id = j.id AND j.status = ANY(\(from)::text[])
            RETURNING old.status
            """).first?.decode("status") else { return false }
        try await AuditTrail.record(db, actorID: actorID, entity: "project", entityID: projectID, action: .update,
                                    before: ["status": .text(before)], after: ["status": .text(status)])
        return true
    }

    func redate(_ db: Connection, projectID: Int64, moves: [PhaseDates], by actorID: Int64) async throws {
        for move in moves {
            try await db.query("UPDATE project_phases SET start_date = \(move.start), due_date = \(move.due) WHERE id = \(move.id)")
            try await AuditTrail.record(db, actorID: actorID, entity: "project_phase", entityID: move.id, action: .update,
                                        before: nil, after: ["start": .text(move.start.description), "due": .text(move.due.description)])
        }
        try await db.query("""
            UPDATE projects SET start_date = (SELECT min(start_date) FROM project_phases WHERE project_id = \(projectID)),
                version = version + 1, updated_at = now()
            WHERE id = \(projectID)
            """)
    }

    /// Checks or unchecks an item, recording who and when. Returns false for an unknown item.
    func setChecked(_ db: Connection, projectID: Int64, itemID: Int64, checked: Bool, by actorID: Int64) async throws -> Bool {
        let updated = try await db.query("""
            UPDATE project_checklist_items
            SET checked_at = CASE WHEN \(checked) THEN coalesce(checked_at, now()) END,
                checked_by = CASE WHEN \(checked) THEN coalesce(checked_by, \(actorID)) END
            WHERE id = \(itemID) AND project_id = \(projectID)
            RETURNING id
            """)
        guard !updated.isEmpty else { return false }
        try await db.query("UPDATE projects SET version = version + 1, updated_at = now() WHERE id = \(projectID)")
        try await AuditTrail.record(db, actorID: actorID, entity: "checklist_item", entityID: itemID, action: .update,
                                    before: ["checked": .bool(!checked)], after: ["checked": .bool(checked)])
        return true
    }

    // MARK: Status links (made and revoked through `SecretLinks.projectStatus`) and calendars

    /// What the project manager is told of the client's live links: how many, and
    /// until when (nil when none is live).
    func liveStatusLinks(_ db: Connection, projectID: Int64, today: CalendarDate) async throws -> (count: Int, forever: Bool, until: CalendarDate?)? {
        guard let row = try await db.query("""
            SELECT count(*) AS n, coalesce(bool_or(expires_on IS NULL), false) AS forever, max(expires_on) AS until FROM project_status_links
            WHERE project_id = \(projectID) AND revoked_at IS NULL AND (expires_on IS NULL OR expires_on >= \(today))
            """).first else { return nil }
        let n: Int = try row.decode("n")
        guard n > 0 else { return nil }
        return (n, try row.decode("forever"), try row.decode("until"))
    }

    /// What a client's status link may show of a project: its name, status and client,
    /// who works on it, and the catalog services ordered. It selects no amount, no note
    /// and nothing of any other project, so the page cannot leak what it never had.
    struct ClientView {
        struct Person { var name, role: String }
        var project, status, client: String
        var people: [Person]
        var scope: [String]
    }

    /// nil when the project is gone (deleted since its link was looked up).
    func clientView(_ db: Connection, projectID: Int64) async throws -> ClientView? {
        guard let head = try await db.query("""
            SELECT j.name, j.status, c.name AS client, pm.name AS pm
            FROM projects j JOIN accounts c ON c.id = j.account_id LEFT JOIN users pm ON pm.id = j.project_manager_id
            WHERE j.id = \(projectID)
            """).first
        else { return nil }
        var people: [ClientView.Person] = []
        if let pm: String = try head.decode("pm") { people.append(.init(name: pm, role: "Project manager")) }
        for row in try await db.query("""
            SELECT DISTINCT u.name, a.role FROM assignments a JOIN users u ON u.id = a.user_id
            WHERE a.project_id = \(projectID) ORDER BY u.name, a.role
            """) {
            people.append(.init(name: try row.decode("name"), role: try row.decode("role")))
        }
        let scope: [String] = try await db.query("""
            SELECT coalesce(t.name, l.description) AS item FROM projects j
            JOIN proposal_lines l ON l.proposal_id = j.proposal_id LEFT JOIN typical_projects t ON t.id = l.typical_project_id
            WHERE j.id = \(projectID) AND l.typical_project_id IS NOT NULL ORDER BY l.position
            """).map { try $0.decode("item") }
        return ClientView(project: try head.decode("name"), status: try head.decode("status"), client: try head.decode("client"),
                          people: people, scope: scope)
    }

    /// The project a live status token opens, if any: a link not revoked and not past
    /// its last day (every status link has one).
    func projectForStatusToken(_ db: Connection, token: String, today: CalendarDate) async throws -> Int64? {
        guard let link = try await SecretLinks.projectStatus.find(db, token: token), !link.revoked,
              let lastDay = link.expiresOn, lastDay >= today else { return nil }
        return link.ownerID
    }

    /// Where a person is to show up: their assignments overlapping `from`…`to`.
    struct MyAssignment: Encodable, Sendable {
        struct Manager: Encodable, Sendable { var id: Int64; var name: String; var email: String }
        var assignmentId, projectId, accountId: Int64
        /// The project's name, its client's, and the person's role there.
        var project, client, role: String
        var start, end: CalendarDate
        var hoursPerWeek, hoursPerDay: DecimalString
        var location: String?
        var status: String
        var overbooked: Bool
        var projectManager: Manager?
    }

    func assignments(_ db: Connection, userID: Int64, from: CalendarDate?, to: CalendarDate?) async throws -> [MyAssignment] {
        try await db.query("""
            SELECT a.id, a.project_id, j.name AS project, j.account_id, c.name AS client, a.role, a.start_date, a.end_date,
                   a.hours_per_week, a.hours_per_day, a.location, a.status, a.overbooked, pm.id AS pm_id, pm.name AS pm_name, pm.email AS pm_email
            FROM assignments a JOIN projects j ON j.id = a.project_id JOIN accounts c ON c.id = j.account_id
            LEFT JOIN users pm ON pm.id = j.project_manager_id
            WHERE a.user_id = \(userID)
              AND (\(from)::date IS NULL OR a.end_date >= \(from))
              AND (\(to)::date IS NULL OR a.start_date <= \(to))
            ORDER BY a.start_date, a.id
            """).map { row in
            let pm: Int64? = try row.decode("pm_id")
            return MyAssignment(
                assignmentId: try row.decode("id"), projectId: try row.decode("project_id"), accountId: try row.decode("account_id"),
                project: try row.decode("project"), client: try row.decode("client"), role: try row.decode("role"),
                start: try row.decode("start_date"), end: try row.decode("end_date"),
                hoursPerWeek: DecimalString(try row.decode("hours_per_week", as: Decimal.self)),
                hoursPerDay: DecimalString(try row.decode("hours_per_day", as: Decimal.self)), location: try row.decode("location"),
                status: try row.decode("status"), overbooked: try row.decode("overbooked"),
                projectManager: try pm.map { .init(id: $0, name: try row.decode("pm_name"), email: try row.decode("pm_email")) })
        }
    }

    func userForCalendarToken(_ db: Connection, token: String) async throws -> (id: Int64, name: String)? {
        guard let row = try await db.query("SELECT id, name FROM users WHERE calendar_token = \(token) AND active").first else { return nil }
        return (try row.decode("id"), try row.decode("name"))
    }

    static func assignment(_ row: Row) throws -> AssignmentRecord {
        AssignmentRecord(
            id: try row.decode("id"), projectId: try row.decode("project_id"), userId: try row.decode("user_id"),
            version: try row.decode("version"), userName: try row.decode("user_name"), role: try row.decode("role"),
            start: try row.decode("start_date"), end: try row.decode("end_date"),
            hoursPerWeek: DecimalString(try row.decode("hours_per_week", as: Decimal.self)),
            hoursPerDay: DecimalString(try row.decode("hours_per_day", as: Decimal.self)),
            phaseId: try row.decode("phase_id"), skill: try row.decode("skill"), location: try row.decode("location"),
            status: try row.decode("status"), overbooked: try row.decode("overbooked"))
    }
}
