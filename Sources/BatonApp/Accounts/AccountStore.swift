import BatonCore
import Dates
import Foundation
import Postgres

/// An address in a request body: its parts are the only keys it takes.
extension Address: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case street, city, region, postalCode, country }
}

/// A client company as the API shows it.
struct AccountRecord: Codable, Sendable, KeepsEveryKey, Versioned {
    var id: Int64
    var version: Int
    var name: String
    var domain, industry: String?
    var ownerId, parentId: Int64?
    var status: AccountStatus
    var address: Address
    var externalId: String?
    var archived: Bool
    var createdAt, updatedAt: Timestamp
}

/// Accounts: the client companies, their hierarchy and owners.
struct AccountStore: Sendable {
    static let columns: Query = """
        a.id, a.version, a.name, a.domain, a.industry, a.owner_id, a.parent_id, a.status, a.street, a.city, a.region,
        a.postal_code, a.country, a.external_id, a.archived_at IS NOT NULL AS archived, a.created_at, a.updated_at
        """

    /// The account if `caller` sees it; with `forUpdate`, locked first and then read,
    /// so that a change that waited for the lock reads the committed row.
    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool = false) async throws -> AccountRecord? {
        if forUpdate {
            let locked = try await db.query("SELECT a.id FROM accounts a WHERE a.id = \(id) AND \(Scope.account(caller, column: "a.id")) FOR UPDATE")
            guard !locked.isEmpty else { return nil }
        }
        return try await db.query("""
            SELECT \(Self.columns) FROM accounts a WHERE a.id = \(id) AND \(Scope.account(caller, column: "a.id"))
            """).first.map(Self.record)
    }

    enum Sort: String, Sendable, CaseIterable {
        case name
        case updated
    }

    struct Filter: Sendable {
        var text: String?
        var ownerID: Int64?
        var status: AccountStatus?
        var includeArchived = false
        var sort: Sort = .name
    }

    /// Accounts a new one probably repeats (issue 19): the same website domain, or a
    /// name that is the same once case, punctuation and a company suffix (Inc, LLC,
    /// Ltd, GmbH…) are set aside, or that begins with the other's words. Only those
    /// the caller can see, open ones first.
    func likelyDuplicates(_ db: Connection, name: String, domain: String?, visibleTo caller: Caller) async throws -> [(id: Int64, name: String, domain: String?)] {
        let norm = { (column: Query) -> Query in
            "btrim(regexp_replace(regexp_replace(lower(\(column)), '[^a-z0-9 ]+', ' ', 'g'), '\\m(inc|llc|ltd|limited|co|corp|corporation|company|gmbh|plc|sa|ag|bv)\\M', ' ', 'g'))"
        }
        let given = norm("\(name)::text")
        let mine = norm("a.name")
        let host = domain?.trimmed.lowercased().nilIfEmpty ?? ""
        return try await db.query("""
            SELECT a.id, a.name, a.domain FROM accounts a
            WHERE \(Scope.accounts(caller)) AND (
                (\(host) <> '' AND lower(a.domain) = \(host))
                OR (length(\(given)) >= 3 AND (
                    regexp_replace(\(mine), '\\s+', ' ', 'g') = regexp_replace(\(given), '\\s+', ' ', 'g')
                    OR regexp_replace(\(mine), '\\s+', ' ', 'g') LIKE regexp_replace(\(given), '\\s+', ' ', 'g') || ' %'
                    OR regexp_replace(\(given), '\\s+', ' ', 'g') LIKE regexp_replace(\(mine), '\\s+', ' ', 'g') || ' %')))
            ORDER BY a.archived_at IS NOT NULL, lower(a.name) LIMIT 5
            """).map { (id: try $0.decode("id"), name: try $0.decode("name"), domain: try $0.decode("domain")) }
    }

    func list(_ db: Connection, visibleTo caller: Caller, filter: Filter, page: PageRequest) async throws -> Page<AccountRecord> {
        var conditions: [Query] = [Scope.accounts(caller)]
        if let text = filter.text?.trimmed, !text.isEmpty {
            let pattern = Scope.containsPattern(text)
            conditions.append("(a.name ILIKE \(pattern) OR a.domain ILIKE \(pattern))")
        }
        if let owner = filter.ownerID { conditions.append("a.owner_id = \(owner)") }
        if let status = filter.status { conditions.append("a.status = \(status.rawValue)") }
        if !filter.includeArchived { conditions.append("a.archived_at IS NULL") }
        let order: Query
        switch filter.sort {
        case .name:
            if let c = page.cursor, c.count == 2, let id = Int64(c[1]) { conditions.append("(lower(a.name), a.id) > (lower(\(c[0])), \(id))") }
            order = "lower(a.name), a.id"
        case .updated:
            if let c = page.cursor, c.count == 2, let at = Timestamp(parsing: c[0]), let id = Int64(c[1]) {
                conditions.append("(a.updated_at, a.id) < (\(at), \(id))")
            }
            order = "a.updated_at DESC, a.id DESC"
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM accounts a WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY \(order) LIMIT \(page.limit + 1)
            """)
        let sort = filter.sort
        return Page(fetched: try rows.map(Self.record), limit: page.limit) {
            sort == .name ? [$0.name, String($0.id)] : [$0.updatedAt.description, String($0.id)]
        }
    }

    /// The first `limit` accounts the caller sees, by name, as `list` sorted by name gives
    /// them (not archived; lower-case name, then id), but only their ids and names: a form's
    /// choice of parent drew 300 whole records, each with two timestamps to parse.
    func firstByName(_ db: Connection, visibleTo caller: Caller, limit: Int) async throws -> [(id: Int64, name: String)] {
        try await db.query("""
            SELECT a.id, a.name FROM accounts a WHERE \(Scope.accounts(caller)) AND a.archived_at IS NULL
            ORDER BY lower(a.name), a.id LIMIT \(limit)
            """).map { (id: try $0.decode("id", as: Int64.self), name: try $0.decode("name", as: String.self)) }
    }

    func create(_ db: Connection, _ f: AccountFields, by actorID: Int64?) async throws -> AccountRecord {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO accounts (name, domain, industry, owner_id, parent_id, status, street, city, region, postal_code,
                                  country, external_id)
            VALUES (\(f.name), \(f.domain), \(f.industry), \(f.ownerID), \(f.parentID), \(f.status.rawValue),
                    \(f.address.street), \(f.address.city), \(f.address.region), \(f.address.postalCode),
                    \(f.address.country), \(f.externalID))
            RETURNING id
            """).decode("id")
        return try await AuditTrail.written(db, actorID: actorID, entity: "account", before: nil, after: try await findAny(db, id: id))
    }

    func update(_ db: Connection, before: AccountRecord, to f: AccountFields, by actorID: Int64) async throws -> AccountRecord {
        try await db.query("""
            UPDATE accounts SET name = \(f.name), domain = \(f.domain), industry = \(f.industry), owner_id = \(f.ownerID),
                parent_id = \(f.parentID), status = \(f.status.rawValue), street = \(f.address.street),
                city = \(f.address.city), region = \(f.address.region), postal_code = \(f.address.postalCode),
                country = \(f.address.country), external_id = \(f.externalID),
                version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        return try await AuditTrail.written(db, actorID: actorID, entity: "account", before: before, after: try await findAny(db, id: before.id))
    }

    /// DELETE archives: the account leaves lists and searches, its history stays.
    func archive(_ db: Connection, _ account: AccountRecord, by actorID: Int64) async throws {
        try await ArchivedRecords.set(db, .account, id: account.id, archived: true, by: actorID)
    }

    /// Brings an archived account back into lists and searches.
    func restore(_ db: Connection, _ account: AccountRecord, by actorID: Int64) async throws -> AccountRecord {
        try await ArchivedRecords.set(db, .account, id: account.id, archived: false, by: actorID)
        return try await findAny(db, id: account.id)
    }

    func findAny(_ db: Connection, id: Int64) async throws -> AccountRecord {
        try Self.record(try await db.writtenRow("SELECT \(Self.columns) FROM accounts a WHERE a.id = \(id)", entity: "account"))
    }

    /// The people `caller` may make owners of accounts and deals: active pipeline
    /// writers in their reporting line (anyone's, for an admin), by name.
    func possibleOwners(_ db: Connection, caller: Caller) async throws -> [(id: Int64, name: String)] {
        let roles = PipelineAccess.writers.map(\.rawValue).sorted()
        return try await db.query("""
            SELECT u.id, u.name FROM users u
            WHERE u.active AND u.roles && \(roles)::text[] AND \(UserStore.scope(caller)) ORDER BY lower(u.name), u.id
            """).map { (id: try $0.decode("id", as: Int64.self), name: try $0.decode("name", as: String.self)) }
    }

    /// A prospect that buys becomes a client: winning a deal sets a `prospect` account
    /// to `active`, in the win's transaction, audited as a change by whoever won it.
    /// Any other status stays as it is.
    func activateOnWin(_ db: Connection, accountID: Int64, by actorID: Int64) async throws {
        guard let row = try await db.query("SELECT \(Self.columns) FROM accounts a WHERE a.id = \(accountID) FOR UPDATE").first
        else { return }
        let before = try Self.record(row)
        guard before.status == .prospect else { return }
        try await db.query("""
            UPDATE accounts SET status = \(AccountStatus.active.rawValue), version = version + 1, updated_at = now()
            WHERE id = \(accountID)
            """)
        _ = try await AuditTrail.written(db, actorID: actorID, entity: "account", before: before, after: try await findAny(db, id: accountID))
    }

    /// Whether the account has ever bought: a won opportunity other than `except`.
    func hasWonBusiness(_ db: Connection, accountID: Int64, except opportunityID: Int64? = nil) async throws -> Bool {
        try await db.expectRow("""
            SELECT EXISTS (
                SELECT 1 FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
                WHERE o.account_id = \(accountID) AND s.is_won AND o.archived_at IS NULL
                  AND o.id IS DISTINCT FROM \(opportunityID)
            ) AS won
            """).decode("won")
    }

    static func record(_ row: Row) throws -> AccountRecord {
        AccountRecord(
            id: try row.decode("id"), version: try row.decode("version"), name: try row.decode("name"),
            domain: try row.decode("domain"), industry: try row.decode("industry"), ownerId: try row.decode("owner_id"),
            parentId: try row.decode("parent_id"),
            status: AccountStatus(rawValue: try row.decode("status")) ?? .prospect,
            address: Address(street: try row.decode("street"), city: try row.decode("city"), region: try row.decode("region"),
                             postalCode: try row.decode("postal_code"), country: try row.decode("country")),
            externalId: try row.decode("external_id"), archived: try row.decode("archived"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}

extension AccountStore {
    /// Names of the accounts among `ids` that the request may see (row security applies).
    func names(_ db: Connection, ids: [Int64]) async throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        var names: [Int64: String] = [:]
        for row in try await db.query("SELECT id, name FROM accounts WHERE id = ANY(\(ids))") {
            names[try row.decode("id")] = try row.decode("name")
        }
        return names
    }
}

/// What the account page's Deals and Contacts sections read (issue 19). Counted as the
/// deals and contacts lists count one account's records (`ListSpec`'s scope: the
/// caller's accounts, not archived; its `account` filter), so that "Show all 1,234 deals"
/// opens a list of 1,234.
extension AccountStore {
    /// A deal as the account page lists it: the stage by the firm's name for it.
    struct LinkedDeal: Sendable { var id: Int64; var name, stage: String; var amount: Decimal; var closeDate: CalendarDate }

    /// The account's deals, the latest close date first (those still to close, then the
    /// ones closed most recently), at most `limit`: the (account, close date, id) index
    /// read backwards (sql/0047), however many deals the account has.
    func deals(_ db: Connection, accountID: Int64, visibleTo caller: Caller, limit: Int) async throws -> [LinkedDeal] {
        try await db.query("""
            SELECT o.id, o.name, s.name AS stage, o.amount, o.close_date
            FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
            WHERE o.account_id = \(accountID) AND o.archived_at IS NULL AND \(Scope.accountOf(caller, column: "o.account_id"))
            ORDER BY o.close_date DESC, o.id DESC LIMIT \(limit)
            """).map {
            LinkedDeal(id: try $0.decode("id"), name: try $0.decode("name"), stage: try $0.decode("stage"),
                       amount: try $0.decode("amount"), closeDate: try $0.decode("close_date"))
        }
    }

    /// How many deals and contacts the account has, in one statement, without reading them.
    func linkedCounts(_ db: Connection, accountID: Int64, visibleTo caller: Caller) async throws -> (deals: Int, contacts: Int) {
        let row = try await db.expectRow("""
            SELECT (SELECT count(*) FROM opportunities o WHERE o.account_id = \(accountID) AND o.archived_at IS NULL
                      AND \(Scope.accountOf(caller, column: "o.account_id")))::int AS deals,
                   (SELECT count(*) FROM contacts c WHERE c.account_id = \(accountID) AND c.archived_at IS NULL
                      AND \(Scope.accountOf(caller, column: "c.account_id")))::int AS contacts
            """)
        return (try row.decode("deals"), try row.decode("contacts"))
    }

    /// The names of the deals and contacts a timeline names, as "opportunity 12" and
    /// "contact 7": the sections show only the first of an account's records, and its
    /// timeline may name any of them.
    func names(_ db: Connection, opportunityIDs: [Int64], contactIDs: [Int64], visibleTo caller: Caller) async throws -> [String: String] {
        guard !opportunityIDs.isEmpty || !contactIDs.isEmpty else { return [:] }
        var names: [String: String] = [:]
        for row in try await db.query("""
            SELECT 'opportunity' AS entity, o.id, o.name FROM opportunities o
            WHERE o.id = ANY(\(opportunityIDs)) AND \(Scope.accountOf(caller, column: "o.account_id"))
            UNION ALL
            SELECT 'contact', c.id, c.name FROM contacts c
            WHERE c.id = ANY(\(contactIDs)) AND \(Scope.accountOf(caller, column: "c.account_id"))
            """) {
            names["\(try row.decode("entity", as: String.self)) \(try row.decode("id", as: Int64.self))"] = try row.decode("name")
        }
        return names
    }
}
