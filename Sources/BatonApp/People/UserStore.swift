import BatonCore
import Foundation
import Postgres

/// A person as the API shows them.
struct UserRecord: Codable, Sendable, Versioned, KeepsEveryKey {
    struct SkillLevel: Codable, Sendable, Equatable {
        var skill: String
        var level: Int
    }

    var id: Int64
    var version: Int
    var email, name: String
    var roles: [Role]
    var managerId: Int64?
    var weeklyCapacityHours: DecimalString
    var homeLocation: String?
    var active: Bool
    var skills: [SkillLevel]
    var createdAt, updatedAt: Timestamp

    /// What the audit trail records of a person (never the password hash).
    var auditSnapshot: AuditSnapshot {
        [
            "email": .text(email), "name": .text(name), "roles": .list(roles.map(\.rawValue)),
            "managerId": managerId.map { .int($0) } ?? .null,
            "weeklyCapacityHours": .text(weeklyCapacityHours.description),
            "homeLocation": homeLocation.map { .text($0) } ?? .null, "active": .bool(active),
            "skills": .list(skills.map { "\($0.skill):\($0.level)" }),
        ]
    }
}

/// The fields of a new person, as checked values.
struct NewPerson: Sendable {
    var email: String
    var name: String
    var roles: [Role]
    var managerID: Int64?
    var weeklyCapacityHours: Decimal
    var homeLocation: String?
    var passwordHash: String?
    var active: Bool
}

/// People: their records, reporting lines and skills. Every read takes the
/// caller's scope, applied in SQL.
struct UserStore: Sendable {
    private static let columns: Query = """
        u.id, u.version, u.email, u.name, u.roles, u.manager_id, u.weekly_capacity_hours, u.home_location,
        u.active, u.created_at, u.updated_at,
        coalesce((SELECT json_agg(json_build_object('skill', s.name, 'level', us.level) ORDER BY lower(s.name))
                  FROM user_skills us JOIN skills s ON s.id = us.skill_id WHERE us.user_id = u.id), '[]')::text AS skills
        """

    /// The people `caller` may see: everyone for an admin, else themselves and
    /// everyone below them in the reporting line.
    static func scope(_ caller: Caller) -> Query {
        caller.isAdmin ? "TRUE" : "u.id IN (SELECT user_id FROM reporting_line(\(caller.id)))"
    }

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool = false) async throws -> UserRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF u" : ""
        let rows = try await db.query("SELECT \(Self.columns) FROM users u WHERE u.id = \(id) AND \(Self.scope(caller))\(lock)")
        return try rows.first.map(Self.record)
    }

    /// Whether `caller` decides for `userID` (their time off, their internal time): an
    /// admin, or a manager above them in the reporting line; no one for themselves.
    func isAbove(_ db: Connection, caller: Caller, userID: Int64) async throws -> Bool {
        if caller.isAdmin { return true }
        guard caller.id != userID else { return false }
        return try await db.query("""
            SELECT EXISTS (SELECT 1 FROM managers_above(\(userID)) WHERE user_id = \(caller.id)) AS above
            """).first?.decode("above") ?? false
    }

    /// A person by id, whoever may see them: for internal checks only.
    func findAny(_ db: Connection, id: Int64) async throws -> UserRecord? {
        try await db.query("SELECT \(Self.columns) FROM users u WHERE u.id = \(id)").first.map(Self.record)
    }

    struct Filter: Sendable {
        var text: String?
        var role: Role?
        var active: Bool?
    }

    /// People sorted by name, a keyset page at a time.
    func list(_ db: Connection, visibleTo caller: Caller, filter: Filter, page: PageRequest) async throws -> Page<UserRecord> {
        var conditions: [Query] = [Self.scope(caller)]
        if let text = filter.text, !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("(u.name ILIKE \(pattern) OR u.email ILIKE \(pattern))")
        }
        if let role = filter.role { conditions.append("\(role.rawValue) = ANY(u.roles)") }
        if let active = filter.active { conditions.append("u.active = \(active)") }
        if let cursor = page.cursor, cursor.count == 2, let id = Int64(cursor[1]) {
            conditions.append("(lower(u.name), u.id) > (lower(\(cursor[0])), \(id))")
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM users u
            WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY lower(u.name), u.id LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(Self.record), limit: page.limit) { [$0.name, String($0.id)] }
    }

    func create(_ db: Connection, _ person: NewPerson, by actorID: Int64?) async throws -> UserRecord {
        let row = try await db.query("""
            INSERT INTO users (email, name, roles, manager_id, weekly_capacity_hours, home_location, password_hash,
                               active, calendar_token)
            VALUES (\(person.email), \(person.name), \(person.roles.map(\.rawValue)), \(person.managerID),
                    \(person.weeklyCapacityHours), \(person.homeLocation), \(person.passwordHash), \(person.active),
                    \(SecretToken.randomString()))
            RETURNING id
            """).first
        guard let row, let created = try await findAny(db, id: try row.decode("id")) else { throw APIError.internalError }
        try await AuditTrail.record(db, actorID: actorID, entity: "user", entityID: created.id, action: .create,
                                    before: nil, after: created.auditSnapshot)
        return created
    }

    /// Writes the changed fields of a locked record, bumps its version and audits
    /// the difference. A new password ends every session and API token of the person
    /// but `kept`, the credential of the request that changed it (if it is theirs).
    func update(
        _ db: Connection, before: UserRecord, to after: NewPerson, passwordHash: String?, by actorID: Int64,
        keeping kept: Caller.Credential? = nil
    ) async throws -> UserRecord {
        try await db.query("""
            UPDATE users SET
                email = \(after.email), name = \(after.name), roles = \(after.roles.map(\.rawValue)),
                manager_id = \(after.managerID), weekly_capacity_hours = \(after.weeklyCapacityHours),
                home_location = \(after.homeLocation), active = \(after.active),
                password_hash = coalesce(\(passwordHash), password_hash),
                version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        var ended: (sessions: Int, tokens: Int) = (0, 0)
        if passwordHash != nil {
            // Whoever held an old session or token (say, with a stolen password) is out.
            ended = try await SessionStore.revokeAll(db, userID: before.id, except: kept)
        }
        guard let updated = try await findAny(db, id: before.id) else { throw APIError.notFound("person") }
        var afterSnapshot = updated.auditSnapshot
        if passwordHash != nil {
            afterSnapshot["password"] = .text("changed")
            afterSnapshot["signedOut"] = .text("\(ended.sessions) sessions, \(ended.tokens) API tokens")
        }
        try await AuditTrail.record(db, actorID: actorID, entity: "user", entityID: before.id, action: .update,
                                    before: before.auditSnapshot, after: afterSnapshot)
        return updated
    }

    /// Replaces a person's skills; a skill name not yet in the catalog is added.
    func setSkills(_ db: Connection, user: UserRecord, skills: [UserRecord.SkillLevel], by actorID: Int64) async throws -> UserRecord {
        try await db.query("DELETE FROM user_skills WHERE user_id = \(user.id)")
        for skill in skills {
            let id = try await skillID(db, name: skill.skill)
            try await db.query("""
                INSERT INTO user_skills (user_id, skill_id, level) VALUES (\(user.id), \(id), \(skill.level))
                ON CONFLICT (user_id, skill_id) DO UPDATE SET level = excluded.level
                """)
        }
        try await db.query("UPDATE users SET version = version + 1, updated_at = now() WHERE id = \(user.id)")
        guard let updated = try await findAny(db, id: user.id) else { throw APIError.notFound("person") }
        try await AuditTrail.record(db, actorID: actorID, entity: "user", entityID: user.id, action: .update,
                                    before: user.auditSnapshot, after: updated.auditSnapshot)
        return updated
    }

    /// The id of the skill with this name (any case), creating it if needed.
    func skillID(_ db: Connection, name: String) async throws -> Int64 {
        let row = try await db.query("""
            WITH existing AS (SELECT id FROM skills WHERE lower(name) = lower(\(name))),
            inserted AS (
                INSERT INTO skills (name) SELECT \(name) WHERE NOT EXISTS (SELECT 1 FROM existing)
                ON CONFLICT DO NOTHING RETURNING id
            )
            SELECT id FROM existing UNION ALL SELECT id FROM inserted
            """).first
        if let row { return try row.decode("id") }
        // Lost a race with a concurrent insert of the same name: it is there now.
        guard let existing = try await db.query("SELECT id FROM skills WHERE lower(name) = lower(\(name))").first else {
            throw APIError.internalError
        }
        return try existing.decode("id")
    }

    func passwordHash(_ db: Connection, emailKey: String) async throws -> (id: Int64, hash: String?, active: Bool)? {
        guard let row = try await db.query("""
            SELECT id, password_hash, active FROM users WHERE lower(email) = \(emailKey)
            """).first else { return nil }
        return (try row.decode("id"), try row.decode("password_hash"), try row.decode("active"))
    }

    struct PersonRef: Codable, Sendable {
        var id: Int64
        var name: String
    }

    func managersAbove(_ db: Connection, userID: Int64) async throws -> [PersonRef] {
        try await db.query("""
            SELECT u.id, u.name FROM managers_above(\(userID)) m JOIN users u ON u.id = m.user_id ORDER BY m.depth
            """).map { PersonRef(id: try $0.decode("id"), name: try $0.decode("name")) }
    }

    func directReports(_ db: Connection, userID: Int64) async throws -> [PersonRef] {
        try await db.query("""
            SELECT id, name FROM users WHERE manager_id = \(userID) ORDER BY lower(name), id
            """).map { PersonRef(id: try $0.decode("id"), name: try $0.decode("name")) }
    }

    func calendarToken(_ db: Connection, userID: Int64) async throws -> String {
        guard let row = try await db.query("SELECT calendar_token FROM users WHERE id = \(userID)").first else {
            throw APIError.notFound("person")
        }
        return try row.decode("calendar_token")
    }

    func regenerateCalendarToken(_ db: Connection, userID: Int64) async throws -> String {
        guard let row = try await db.query("""
            UPDATE users SET calendar_token = \(SecretToken.randomString()) WHERE id = \(userID) RETURNING calendar_token
            """).first else { throw APIError.notFound("person") }
        return try row.decode("calendar_token")
    }

    /// Whether `managerID` is above `userID` in the reporting line.
    func isManager(_ db: Connection, managerID: Int64, of userID: Int64) async throws -> Bool {
        try await db.query("""
            SELECT EXISTS (SELECT 1 FROM managers_above(\(userID)) WHERE user_id = \(managerID)) AS above
            """).first?.decode("above") ?? false
    }

    func count(_ db: Connection) async throws -> Int {
        try await db.query("SELECT count(*) AS n FROM users").first?.decode("n") ?? 0
    }

    struct SkillRecord: Codable, Sendable {
        var id: Int64
        var name: String
    }

    func listSkills(_ db: Connection, page: PageRequest) async throws -> Page<SkillRecord> {
        var condition: Query = "TRUE"
        if let cursor = page.cursor, cursor.count == 2, let id = Int64(cursor[1]) {
            condition = "(lower(name), id) > (lower(\(cursor[0])), \(id))"
        }
        let rows = try await db.query("""
            SELECT id, name FROM skills WHERE \(condition) ORDER BY lower(name), id LIMIT \(page.limit + 1)
            """)
        let skills = try rows.map { SkillRecord(id: try $0.decode("id"), name: try $0.decode("name")) }
        return Page(fetched: skills, limit: page.limit) { [$0.name, String($0.id)] }
    }

    func createSkill(_ db: Connection, name: String) async throws -> SkillRecord {
        guard let row = try await db.query("INSERT INTO skills (name) VALUES (\(name)) RETURNING id, name").first else {
            throw APIError.internalError
        }
        return SkillRecord(id: try row.decode("id"), name: try row.decode("name"))
    }

    private static func record(_ row: Row) throws -> UserRecord {
        UserRecord(
            id: try row.decode("id"), version: try row.decode("version"), email: try row.decode("email"),
            name: try row.decode("name"),
            roles: try row.decode("roles", as: [String].self).compactMap(Role.init(rawValue:)).sorted(),
            managerId: try row.decode("manager_id"),
            weeklyCapacityHours: DecimalString(try row.decode("weekly_capacity_hours", as: Decimal.self)),
            homeLocation: try row.decode("home_location"), active: try row.decode("active"),
            skills: try row.decode("skills", as: JSONB<[UserRecord.SkillLevel]>.self).value,
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
