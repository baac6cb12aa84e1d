import BatonCore
import Foundation
import Postgres

/// A typical project: a service in the catalog, and the template of its projects.
struct TypicalProjectRecord: Codable, Sendable, Versioned {
    struct Pricing: Codable, Sendable, Equatable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case model, price, rate }
        var model: String
        /// The fee of a fixed-fee project, or the rate of an hourly one.
        var price, rate: Money?

        /// The amount a proposal line starts from: the fee, or the hourly rate.
        var amount: Decimal { (model == "hourly" ? rate : price)?.amount ?? 0 }
    }

    struct Phase: Codable, Sendable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case name, offsetDays, lengthDays, sharePercent, skills }
        static var nested: [String: any StrictDecodable.Type] { ["skills": Skill.self] }
        var name: String
        var offsetDays, lengthDays: Int
        var sharePercent: DecimalString
        var skills: [Skill]

        /// The phase as Core's handoff plan and its share check read it.
        var template: TemplatePhase {
            TemplatePhase(name: name, offsetDays: offsetDays, lengthDays: lengthDays, sharePercent: sharePercent.value,
                          skills: skills.map { SkillHours(skill: $0.skill, hours: $0.hours.value) })
        }
    }

    struct Skill: Codable, Sendable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case skill, hours }
        var skill: String
        var hours: DecimalString
    }

    struct ChecklistItem: Codable, Sendable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case text, required }
        var text: String
        var required: Bool
    }

    var id: Int64
    var version: Int
    var name: String
    var description: String?
    var pricing: Pricing
    var typicalDurationDays: Int?
    var phases: [Phase]
    var checklist: [ChecklistItem]
    /// Set on an item sold by the period; its proposal lines recur on these terms.
    var recurrence: Recurrence?
    var archived: Bool
    var createdAt, updatedAt: Timestamp

    var templatePhases: [TemplatePhase] { phases.map(\.template) }
}

/// The fields of a typical project a person sets.
struct TypicalProjectFields: Sendable {
    var name: String
    var description: String?
    var pricing: TypicalProjectRecord.Pricing
    var typicalDurationDays: Int?
    var phases: [TypicalProjectRecord.Phase]
    var checklist: [TypicalProjectRecord.ChecklistItem]
    var recurrence: Recurrence?

    func check(into v: inout Validator) {
        recurrence?.check(field: "recurrence", into: &v)
        v.check(!name.trimmed.isEmpty && name.count <= 200, "name", "Name must be 1 to 200 characters")
        v.check((description?.count ?? 0) <= 5000, "description", "Description must be at most 5,000 characters")
        switch pricing.model {
        case "fixed": v.check(pricing.price != nil && pricing.rate == nil, "pricing.price", "A fixed-fee project needs a price (and no rate)")
        case "hourly": v.check(pricing.rate != nil && pricing.price == nil, "pricing.rate", "An hourly project needs a rate (and no price)")
        default: v.add("pricing.model", "Pricing model must be fixed or hourly")
        }
        if pricing.amount < 0 { v.add("pricing", "Price must be zero or more") }
        if let days = typicalDurationDays { v.check(days > 0, "typicalDurationDays", "Typical duration must be at least 1 day") }
        HandoffPlan.checkShares(phases.map(\.template), into: &v)
        for (i, phase) in phases.enumerated() {
            v.check(phase.sharePercent.value.significantScale <= 2, "phases[\(i)].sharePercent", "Share must have at most two decimals")
        }
        for (i, item) in checklist.enumerated() {
            v.check(!item.text.trimmed.isEmpty && item.text.count <= 500, "checklist[\(i)].text", "Checklist text must be 1 to 500 characters")
        }
    }
}

/// The catalog: typical projects with their phases, skills and checklists.
struct CatalogStore: Sendable {
    let users: UserStore

    static let columns: Query = """
        t.id, t.version, t.name, t.description, t.pricing_model, t.price, t.typical_duration_days,
        t.archived_at IS NOT NULL AS archived, t.created_at, t.updated_at,
        CASE WHEN t.billing_period IS NOT NULL THEN json_build_object('period', t.billing_period, 'termMonths', t.term_months,
            'autoRenew', t.auto_renew, 'noticeDays', t.notice_days)::text END AS recurrence,
        coalesce((SELECT json_agg(json_build_object(
                    'name', p.name, 'offsetDays', p.offset_days, 'lengthDays', p.length_days,
                    'sharePercent', trim_scale(p.share_percent)::text,
                    'skills', coalesce((SELECT json_agg(json_build_object('skill', s.name, 'hours', trim_scale(ps.hours)::text)
                                                         ORDER BY lower(s.name))
                                        FROM typical_project_phase_skills ps JOIN skills s ON s.id = ps.skill_id
                                        WHERE ps.phase_id = p.id), '[]'))
                    ORDER BY p.position)
                  FROM typical_project_phases p WHERE p.typical_project_id = t.id), '[]')::text AS phases,
        coalesce((SELECT json_agg(json_build_object('text', c.text, 'required', c.required) ORDER BY c.position)
                  FROM typical_project_checklist c WHERE c.typical_project_id = t.id), '[]')::text AS checklist
        """

    func find(_ db: Connection, id: Int64, forUpdate: Bool = false) async throws -> TypicalProjectRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("SELECT \(Self.columns) FROM typical_projects t WHERE t.id = \(id)\(lock)").first.map(Self.record)
    }

    /// The typical projects of a proposal's catalog lines, as the handoff plan reads
    /// them (a free-text line has none): what the project and the printed plan are built from.
    func templates(_ db: Connection, of lines: [ProposalRecord.Line]) async throws -> [TemplateOnLine] {
        var templates: [TemplateOnLine] = []
        for line in lines {
            guard let id = line.typicalProjectId, let t = try await find(db, id: id) else { continue }
            templates.append(TemplateOnLine(
                typicalProjectId: id, name: t.name, phases: t.templatePhases,
                checklist: t.checklist.map { ChecklistTemplateItem(text: $0.text, required: $0.required) },
                quantity: line.deliveries, lineTotal: line.lineTotal.amount))
        }
        return templates
    }

    func list(_ db: Connection, page: PageRequest, includeArchived: Bool) async throws -> Page<TypicalProjectRecord> {
        var conditions: [Query] = [includeArchived ? "TRUE" : "t.archived_at IS NULL"]
        if let c = page.cursor, c.count == 2, let id = Int64(c[1]) {
            conditions.append("(lower(t.name), t.id) > (lower(\(c[0])), \(id))")
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM typical_projects t WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY lower(t.name), t.id LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(Self.record), limit: page.limit) { [$0.name, String($0.id)] }
    }

    func create(_ db: Connection, _ f: TypicalProjectFields, by actorID: Int64?) async throws -> TypicalProjectRecord {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO typical_projects (name, description, pricing_model, price, typical_duration_days,
                                          billing_period, term_months, auto_renew, notice_days)
            VALUES (\(f.name), \(f.description), \(f.pricing.model), \(f.pricing.amount), \(f.typicalDurationDays),
                    \(f.recurrence?.period.rawValue), \(f.recurrence?.termMonths), \(f.recurrence?.autoRenew), \(f.recurrence?.noticeDays))
            RETURNING id
            """).decode("id")
        try await writeParts(db, id: id, f)
        guard let created = try await find(db, id: id) else { throw APIError.internalError }
        try await AuditTrail.record(db, actorID: actorID, entity: "typical_project", entityID: id, action: .create,
                                    before: nil, after: .of(created))
        return created
    }

    func update(_ db: Connection, before: TypicalProjectRecord, to f: TypicalProjectFields, by actorID: Int64) async throws -> TypicalProjectRecord {
        try await db.query("""
            UPDATE typical_projects SET name = \(f.name), description = \(f.description), pricing_model = \(f.pricing.model),
                price = \(f.pricing.amount), typical_duration_days = \(f.typicalDurationDays),
                billing_period = \(f.recurrence?.period.rawValue), term_months = \(f.recurrence?.termMonths),
                auto_renew = \(f.recurrence?.autoRenew), notice_days = \(f.recurrence?.noticeDays),
                version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        try await db.query("DELETE FROM typical_project_phases WHERE typical_project_id = \(before.id)")
        try await db.query("DELETE FROM typical_project_checklist WHERE typical_project_id = \(before.id)")
        try await writeParts(db, id: before.id, f)
        guard let after = try await find(db, id: before.id) else { throw APIError.internalError }
        try await AuditTrail.record(db, actorID: actorID, entity: "typical_project", entityID: before.id, action: .update,
                                    before: .of(before), after: .of(after))
        return after
    }

    private func writeParts(_ db: Connection, id: Int64, _ f: TypicalProjectFields) async throws {
        for (i, phase) in f.phases.enumerated() {
            let phaseID: Int64 = try await db.expectRow("""
                INSERT INTO typical_project_phases (typical_project_id, position, name, offset_days, length_days, share_percent)
                VALUES (\(id), \(i + 1), \(phase.name.trimmed), \(phase.offsetDays), \(phase.lengthDays), \(phase.sharePercent.value))
                RETURNING id
                """).decode("id")
            for skill in phase.skills {
                let skillID = try await users.skillID(db, name: skill.skill.trimmed)
                try await db.query("""
                    INSERT INTO typical_project_phase_skills (phase_id, skill_id, hours) VALUES (\(phaseID), \(skillID), \(skill.hours.value))
                    ON CONFLICT (phase_id, skill_id) DO UPDATE SET hours = typical_project_phase_skills.hours + excluded.hours
                    """)
            }
        }
        for (i, item) in f.checklist.enumerated() {
            try await db.query("""
                INSERT INTO typical_project_checklist (typical_project_id, position, text, required)
                VALUES (\(id), \(i + 1), \(item.text.trimmed), \(item.required))
                """)
        }
    }

    static func record(_ row: Row) throws -> TypicalProjectRecord {
        let model: String = try row.decode("pricing_model")
        let amount = Money(try row.decode("price", as: Decimal.self))
        return TypicalProjectRecord(
            id: try row.decode("id"), version: try row.decode("version"), name: try row.decode("name"),
            description: try row.decode("description"),
            pricing: .init(model: model, price: model == "fixed" ? amount : nil, rate: model == "hourly" ? amount : nil),
            typicalDurationDays: try row.decode("typical_duration_days"),
            phases: try row.decode("phases", as: JSONB<[TypicalProjectRecord.Phase]>.self).value,
            checklist: try row.decode("checklist", as: JSONB<[TypicalProjectRecord.ChecklistItem]>.self).value,
            recurrence: try row.decode("recurrence", as: JSONB<Recurrence>?.self)?.value,
            archived: try row.decode("archived"), createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
