import BatonCore
import Dates
import Foundation
import Postgres

/// A project as the API shows it: what a won order became.
struct ProjectRecord: Encodable, Sendable, Versioned {
    struct Phase: Codable, Sendable {
        var id: Int64
        var name: String
        var start, due: CalendarDate
        var value: Money
        var completedOn: CalendarDate?
        /// Completed on or before its due date; nil while open.
        var onTime: Bool?
    }

    struct ChecklistItem: Codable, Sendable {
        var id: Int64
        var text: String
        var required, checked: Bool
        var checkedBy: Int64?
        var checkedAt: Timestamp?
    }

    /// A pass-through line of the accepted proposal (travel, expenses, resale): money the
    /// project may spend for the client, outside the contract value and every phase.
    struct BudgetItem: Codable, Sendable {
        var description: String
        var amount: Money
    }

    struct SkillNeed: Codable, Sendable {
        var phaseId: Int64
        var skill: String
        var hours, assignedHours: DecimalString
    }

    var id: Int64
    var version: Int
    var name: String
    var accountId, opportunityId, proposalId: Int64
    var projectManagerId: Int64?
    var status: String
    var start: CalendarDate
    var contractValue: Money
    var completedOn: CalendarDate?
    var phases: [Phase]
    var checklist: [ChecklistItem]
    var skillNeeds: [SkillNeed]
    var budgetItems: [BudgetItem] = []
    /// In a project's own record, not in lists.
    var assignments: [AssignmentRecord]?
    var createdAt, updatedAt: Timestamp
}

/// Projects, and the handoff that creates them.
struct ProjectStore: Sendable {
    let users: UserStore

    static let columns: Query = """
        j.id, j.version, j.name, j.account_id, j.opportunity_id, j.proposal_id, j.project_manager_id, j.status, j.start_date,
        j.contract_value, j.completed_on, j.created_at, j.updated_at,
        coalesce((SELECT json_agg(json_build_object('id', ph.id, 'name', ph.name, 'start', ph.start_date, 'due', ph.due_date,
                                                    'value', ph.value::text, 'completedOn', ph.completed_on,
                                                    'onTime', ph.completed_on <= ph.due_date) ORDER BY ph.position)
                  FROM project_phases ph WHERE ph.project_id = j.id), '[]')::text AS phases,
        coalesce((SELECT json_agg(json_build_object('id', c.id, 'text', c.text, 'required', c.required,
                                                    'checked', c.checked_at IS NOT NULL, 'checkedBy', c.checked_by,
                                                    'checkedAt', c.checked_at) ORDER BY c.position)
                  FROM project_checklist_items c WHERE c.project_id = j.id), '[]')::text AS checklist,
        coalesce((SELECT json_agg(json_build_object('description', b.description, 'amount', b.amount::text) ORDER BY b.position)
                  FROM project_budget_items b WHERE b.project_id = j.id), '[]')::text AS budget_items,
        coalesce((SELECT json_agg(json_build_object('phaseId', n.phase_id, 'skill', s.name, 'hours', trim_scale(n.hours)::text,
                      -- Filled in by DeliveryStore.withCoverage: the need's own assignments, day by day.
                      'assignedHours', '0') ORDER BY ph.position, lower(s.name))
                  FROM project_skill_needs n JOIN project_phases ph ON ph.id = n.phase_id JOIN skills s ON s.id = n.skill_id
                  WHERE ph.project_id = j.id), '[]')::text AS skill_needs
        """

    /// Projects a caller sees: those of the accounts they see (which includes the
    /// projects they manage, and their line's), and those they are assigned to.
    static func scope(_ caller: Caller) -> Query {
        if caller.isAdmin { return "TRUE" }
        return """
            (\(Scope.accountOf(caller, column: "j.account_id")) OR j.project_manager_id = \(caller.id)
             OR EXISTS (SELECT 1 FROM assignments x WHERE x.project_id = j.id AND x.user_id = \(caller.id)))
            """
    }

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller) async throws -> ProjectRecord? {
        guard var project = try await db.query("SELECT \(Self.columns) FROM projects j WHERE j.id = \(id) AND \(Self.scope(caller))")
            .first.map(Self.record)
        else { return nil }
        project = try await DeliveryStore().withCoverage(db, [project])[0]
        project.assignments = try await DeliveryStore().assignments(db, projectID: id)
        return project
    }

    func findAny(_ db: Connection, id: Int64) async throws -> ProjectRecord {
        var project = try Self.record(try await db.expectRow("SELECT \(Self.columns) FROM projects j WHERE j.id = \(id)"))
        project = try await DeliveryStore().withCoverage(db, [project])[0]
        project.assignments = try await DeliveryStore().assignments(db, projectID: id)
        return project
    }

    /// The client's name and where the work is done (street, city, region), for the project page.
    func client(_ db: Connection, accountID: Int64) async throws -> (name: String, site: String)? {
        guard let row = try await db.query("""
            SELECT name, concat_ws(', ', nullif(street, ''), nullif(city, ''), nullif(region, '')) AS site FROM accounts WHERE id = \(accountID)
            """).first else { return nil }
        return (try row.decode("name"), try row.decode("site", as: String?.self) ?? "")
    }

    /// The statuses a project can be in, in the order a person goes through them.
    static let statuses = ["planned", "active", "on_hold", "completed", "cancelled"]

    /// The `status` a list is filtered by, as the API and the projects page read it.
    static func statusFilter(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard statuses.contains(text) else {
            throw ValidationFailure("status", "Status must be one of " + statuses.joined(separator: ", "))
        }
        return text
    }

    struct Filter: Sendable {
        var projectManagerID: Int64?
        var status: String?
        var accountID: Int64?
    }

    func list(_ db: Connection, visibleTo caller: Caller, filter: Filter, page: PageRequest) async throws -> Page<ProjectRecord> {
        var conditions: [Query] = [Self.scope(caller)]
        if let pm = filter.projectManagerID { conditions.append("j.project_manager_id = \(pm)") }
        if let status = filter.status { conditions.append("j.status = \(status)") }
        if let account = filter.accountID { conditions.append("j.account_id = \(account)") }
        if let c = page.cursor, c.count == 2, let start = CalendarDate(c[0]), let id = Int64(c[1]) {
            conditions.append("(j.start_date, j.id) > (\(start), \(id))")
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM projects j WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY j.start_date, j.id LIMIT \(page.limit + 1)
            """)
        let projects = try await DeliveryStore().withCoverage(db, try rows.map(Self.record))
        return Page(fetched: projects, limit: page.limit) { [$0.start.description, String($0.id)] }
    }

    /// The handoff: the project a won order becomes, built from the accepted
    /// lines' templates. Runs inside the acceptance's transaction.
    func handOff(
        _ db: Connection, proposal: ProposalRecord, opportunityName: String, projectManagerID: Int64?, start: CalendarDate,
        by actorID: Int64
    ) async throws -> ProjectRecord {
        let templates = try await CatalogStore(users: users).templates(db, of: proposal.lines)
        let plan = HandoffPlan.plan(contractValue: proposal.total.amount, start: start, templates: templates,
                                    fallbackName: opportunityName)
        let projectID: Int64 = try await db.expectRow("""
            INSERT INTO projects (name, account_id, opportunity_id, proposal_id, project_manager_id, start_date, contract_value)
            VALUES (\(opportunityName), \(proposal.accountId), \(proposal.opportunityId), \(proposal.id), \(projectManagerID),
                    \(start), \(proposal.total.amount))
            RETURNING id
            """).decode("id")
        for phase in plan.phases {
            let phaseID: Int64 = try await db.expectRow("""
                INSERT INTO project_phases (project_id, position, name, typical_project_id, start_date, due_date, value)
                VALUES (\(projectID), \(phase.position), \(phase.name), \(phase.typicalProjectId), \(phase.start), \(phase.due),
                        \(phase.value))
                RETURNING id
                """).decode("id")
            for need in phase.skills {
                let skillID = try await users.skillID(db, name: need.skill)
                try await db.query("""
                    INSERT INTO project_skill_needs (phase_id, skill_id, hours) VALUES (\(phaseID), \(skillID), \(need.hours))
                    ON CONFLICT (phase_id, skill_id) DO UPDATE SET hours = project_skill_needs.hours + excluded.hours
                    """)
            }
        }
        for (i, item) in plan.checklist.enumerated() {
            try await db.query("""
                INSERT INTO project_checklist_items (project_id, position, text, required)
                VALUES (\(projectID), \(i + 1), \(item.text), \(item.required))
                """)
        }
        let project = try await findAny(db, id: projectID)
        try await AuditTrail.record(db, actorID: actorID, entity: "project", entityID: projectID, action: .create,
                                    before: nil, after: .of(project, excluding: ["phases", "checklist", "skillNeeds"]))
        return project
    }

    static func record(_ row: Row) throws -> ProjectRecord {
        return ProjectRecord(
            id: try row.decode("id"), version: try row.decode("version"), name: try row.decode("name"),
            accountId: try row.decode("account_id"), opportunityId: try row.decode("opportunity_id"),
            proposalId: try row.decode("proposal_id"), projectManagerId: try row.decode("project_manager_id"),
            status: try row.decode("status"), start: try row.decode("start_date"),
            contractValue: Money(try row.decode("contract_value", as: Decimal.self)), completedOn: try row.decode("completed_on"),
            // The columns build the phases, checklist and needs as the records' own JSON.
            phases: try row.decode("phases", as: JSONB<[ProjectRecord.Phase]>.self).value,
            checklist: try row.decode("checklist", as: JSONB<[ProjectRecord.ChecklistItem]>.self).value,
            skillNeeds: try row.decode("skill_needs", as: JSONB<[ProjectRecord.SkillNeed]>.self).value,
            budgetItems: try row.decode("budget_items", as: JSONB<[ProjectRecord.BudgetItem]>.self).value, assignments: nil,
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
