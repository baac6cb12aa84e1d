import BatonCore
import Foundation
import Postgres

/// A person at a client.
struct ContactRecord: Codable, Sendable, KeepsEveryKey, Versioned {
    var id: Int64
    var version: Int
    var accountId: Int64
    var name: String
    var email, phone, title: String?
    var buyingRole: BuyingRole?
    var doNotContact: Bool
    var externalId: String?
    var archived: Bool
    var createdAt, updatedAt: Timestamp
}

/// Contacts: the people at each account.
struct ContactStore: Sendable {
    static let columns: Query = """
        c.id, c.version, c.account_id, c.name, c.email, c.phone, c.title, c.buying_role, c.do_not_contact, c.external_id,
        c.archived_at IS NOT NULL AS archived, c.created_at, c.updated_at
        """

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool = false) async throws -> ContactRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("""
            SELECT \(Self.columns) FROM contacts c WHERE c.id = \(id) AND \(Scope.account(caller, column: "c.account_id"))\(lock)
            """).first.map(Self.record)
    }

    struct Filter: Sendable {
        var accountID: Int64?
        var text: String?
        var includeArchived = false
    }

    func list(_ db: Connection, visibleTo caller: Caller, filter: Filter, page: PageRequest) async throws -> Page<ContactRecord> {
        var conditions: [Query] = [Scope.accountOf(caller, column: "c.account_id")]
        if let account = filter.accountID { conditions.append("c.account_id = \(account)") }
        if let text = filter.text?.trimmed, !text.isEmpty {
            let pattern = Scope.containsPattern(text)
            conditions.append("(c.name ILIKE \(pattern) OR c.email ILIKE \(pattern))")
        }
        if !filter.includeArchived { conditions.append("c.archived_at IS NULL") }
        if let cursor = page.cursor, cursor.count == 2, let id = Int64(cursor[1]) {
            conditions.append("(lower(c.name), c.id) > (lower(\(cursor[0])), \(id))")
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM contacts c WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY lower(c.name), c.id LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(Self.record), limit: page.limit) { [$0.name, String($0.id)] }
    }

    /// The live contact at `accountID` with this email, if any (another than `except`).
    func withEmail(_ db: Connection, accountID: Int64, email: String, except: Int64? = nil) async throws -> (id: Int64, name: String)? {
        guard let row = try await db.query("""
            SELECT id, name FROM contacts
            WHERE account_id = \(accountID) AND lower(email) = lower(\(email)) AND archived_at IS NULL
              AND id IS DISTINCT FROM \(except)
            """).first else { return nil }
        return (try row.decode("id"), try row.decode("name"))
    }

    func create(_ db: Connection, _ f: ContactFields, by actorID: Int64?) async throws -> ContactRecord {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO contacts (account_id, name, email, phone, title, buying_role, do_not_contact, external_id)
            VALUES (\(f.accountID), \(f.name), \(f.email), \(f.phone), \(f.title), \(f.buyingRole?.rawValue),
                    \(f.doNotContact), \(f.externalID))
            RETURNING id
            """).decode("id")
        return try await AuditTrail.written(db, actorID: actorID, entity: "contact", before: nil, after: try await findAny(db, id: id))
    }

    func update(_ db: Connection, before: ContactRecord, to f: ContactFields, by actorID: Int64) async throws -> ContactRecord {
        try await db.query("""
            UPDATE contacts SET account_id = \(f.accountID), name = \(f.name), email = \(f.email), phone = \(f.phone),
                title = \(f.title), buying_role = \(f.buyingRole?.rawValue), do_not_contact = \(f.doNotContact),
                external_id = \(f.externalID), version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        return try await AuditTrail.written(db, actorID: actorID, entity: "contact", before: before, after: try await findAny(db, id: before.id))
    }

    func archive(_ db: Connection, _ contact: ContactRecord, by actorID: Int64) async throws {
        try await ArchivedRecords.set(db, .contact, id: contact.id, archived: true, by: actorID)
    }

    func findAny(_ db: Connection, id: Int64) async throws -> ContactRecord {
        try Self.record(try await db.writtenRow("SELECT \(Self.columns) FROM contacts c WHERE c.id = \(id)", entity: "contact"))
    }

    static func record(_ row: Row) throws -> ContactRecord {
        ContactRecord(
            id: try row.decode("id"), version: try row.decode("version"), accountId: try row.decode("account_id"),
            name: try row.decode("name"), email: try row.decode("email"), phone: try row.decode("phone"),
            title: try row.decode("title"), buyingRole: try row.decode("buying_role", as: String?.self).flatMap(BuyingRole.init(rawValue:)),
            doNotContact: try row.decode("do_not_contact"), externalId: try row.decode("external_id"),
            archived: try row.decode("archived"), createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
