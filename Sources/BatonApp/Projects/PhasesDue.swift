import Dates
import Postgres

extension ProjectStore {
    struct PhaseDue: Sendable {
        var projectID: Int64
        var projectName: String
        var phase: String
        var dueDate: CalendarDate
    }

    /// The open phases of a project manager's running projects due by `until` (late
    /// ones included), soonest first: what their home lists.
    func phasesDue(_ db: Connection, managerID: Int64, until: CalendarDate, limit: Int) async throws -> [PhaseDue] {
        try await db.query("""
            SELECT j.id, j.name AS project, ph.name, ph.due_date FROM project_phases ph JOIN projects j ON j.id = ph.project_id
            WHERE j.project_manager_id = \(managerID) AND ph.completed_on IS NULL AND ph.due_date <= \(until)
              AND j.status NOT IN ('cancelled', 'on_hold')
            ORDER BY ph.due_date, ph.id LIMIT \(limit)
            """).map {
            PhaseDue(projectID: try $0.decode("id"), projectName: try $0.decode("project"), phase: try $0.decode("name"),
                     dueDate: try $0.decode("due_date"))
        }
    }
}
