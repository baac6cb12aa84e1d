import BatonCore
import Dates
import Foundation
import Postgres

/// A list view as the address asks for it: the filters' conditions, the columns
/// shown, the sort and the page. The page, its next page and its CSV are built from
/// the same address, so they are the same view.
struct ListView: Sendable {
    var spec: ListSpec
    var conditions: [Query]
    var columns: [ListColumn]
    var sort: ListColumn
    var descending = false
    var page = 1
    static let pageSize = 50
}

/// One row of a list: the record's id, each shown column's value as stored (text),
/// and the id each linking column links to.
struct ListRow: Sendable {
    var id: Int64
    var cells: [String?]
    var links: [Int64?]
}

/// One page of a list view, with the count and total of the whole view (every page).
struct ListResult: Sendable {
    var rows: [ListRow]
    var count: Int
    var total: Decimal
}

/// A person's saved view of one list: the list's address parameters under a name.
struct ListViewRecord: Codable, Sendable {
    var id: Int64
    var kind: ListKind
    var name: String
    var parameters: String
    var createdAt: Timestamp
}

/// The SQL of the list views: one query shape for every kind, the page and its CSV,
/// with the caller's visibility in every statement; and the saved views.
struct ListStore: Sendable {
    func page(_ db: Connection, _ view: ListView, caller: Caller) async throws -> ListResult {
        let spec = view.spec
        let whereClause = Self.whereClause(view, caller: caller)
        let total = spec.total.map { "coalesce(sum(\($0)), 0)" } ?? "0"
        let summary = try await db.query("""
            SELECT count(*) AS n, \(unsafeSQL: total) AS total FROM \(unsafeSQL: spec.from) WHERE \(whereClause)
            """)
        let offset = (max(view.page, 1) - 1) * ListView.pageSize
        let rows = try await db.query("\(Self.select(view, caller: caller)) LIMIT \(ListView.pageSize) OFFSET \(offset)")
        return ListResult(rows: try rows.map { try Self.row($0, view) },
                          count: try summary.first?.decode("n", as: Int.self) ?? 0,
                          total: try summary.first?.decode("total", as: Decimal.self) ?? 0)
    }

    /// Every row of the view, handed over `batch` rows at a time from a cursor, so an
    /// export of a million deals never holds them all. Runs inside a transaction.
    func each(_ db: Connection, _ view: ListView, caller: Caller, batch: Int = 2_000,
              _ handle: ([ListRow]) async throws -> Void) async throws {
        _ = try await db.query("DECLARE list_export NO SCROLL CURSOR FOR \(Self.select(view, caller: caller))")
        while true {
            let rows = try await db.query("FETCH \(unsafeSQL: String(batch)) FROM list_export").map { try Self.row($0, view) }
            if rows.isEmpty { break }
            try await handle(rows)
            if rows.count < batch { break }
        }
        _ = try await db.query("CLOSE list_export")
    }

    static func whereClause(_ view: ListView, caller: Caller) -> Query {
        Query.join([view.spec.scope(caller)] + view.conditions, separator: " AND ")
    }

    /// The view's rows in order. Every piece of SQL text here comes from the kind's
    /// description (`ListSpec`); the address only chose among them.
    static func select(_ view: ListView, caller: Caller) -> Query {
        var list = ["(\(view.spec.id))::bigint AS row_id"]
        for (i, column) in view.columns.enumerated() {
            list.append("(\(column.sql))::text AS c\(i)")
            if let link = column.link { list.append("(\(link.id))::bigint AS l\(i)") }
        }
        let direction = view.descending ? "DESC" : "ASC"
        let order = "\(view.sort.sort ?? view.spec.id) \(direction), \(view.spec.id) \(direction)"
        return """
            SELECT \(unsafeSQL: list.joined(separator: ", ")) FROM \(unsafeSQL: view.spec.from)
            WHERE \(whereClause(view, caller: caller)) ORDER BY \(unsafeSQL: order)
            """
    }

    static func row(_ row: Row, _ view: ListView) throws -> ListRow {
        ListRow(id: try row.decode("row_id"),
                cells: try view.columns.indices.map { try row.decode("c\($0)", as: String?.self) },
                links: try view.columns.enumerated().map { i, column in column.link == nil ? nil : try row.decode("l\(i)", as: Int64?.self) })
    }

    /// The options of a choice filter: the people who own or run something, the
    /// board's stages in order, the firm's skills.
    func choices(_ db: Connection, _ source: ListChoices) async throws -> [(value: String, label: String)] {
        let sql: Query
        switch source {
        case .fixed(let options): return options
        case .dealOwners: sql = "SELECT u.id::text AS value, u.name AS label FROM users u WHERE EXISTS (SELECT 1 FROM opportunities o WHERE o.owner_id = u.id) ORDER BY u.name"
        case .accountOwners: sql = "SELECT u.id::text AS value, u.name AS label FROM users u WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.owner_id = u.id) ORDER BY u.name"
        case .projectManagers: sql = "SELECT u.id::text AS value, u.name AS label FROM users u WHERE EXISTS (SELECT 1 FROM projects j WHERE j.project_manager_id = u.id) ORDER BY u.name"
        case .stages: sql = "SELECT key AS value, name AS label FROM pipeline_stages ORDER BY position"
        case .skills: sql = "SELECT id::text AS value, name AS label FROM skills ORDER BY lower(name)"
        }
        return try await db.query(sql).map { (value: try $0.decode("value"), label: try $0.decode("label")) }
    }

    // MARK: Saved views

    static let viewColumns = "id, kind, name, parameters, created_at"

    static func view(_ row: Row) throws -> ListViewRecord {
        ListViewRecord(id: try row.decode("id"), kind: ListKind(rawValue: try row.decode("kind")) ?? .opportunities,
                       name: try row.decode("name"), parameters: try row.decode("parameters"), createdAt: try row.decode("created_at"))
    }

    func views(_ db: Connection, of userID: Int64, kind: ListKind?) async throws -> [ListViewRecord] {
        try await db.query("""
            SELECT \(unsafeSQL: Self.viewColumns) FROM list_views
            WHERE user_id = \(userID) AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue))
            ORDER BY kind, lower(name), id
            """).map(Self.view)
    }

    func view(_ db: Connection, id: Int64, of userID: Int64) async throws -> ListViewRecord? {
        try await db.query("SELECT \(unsafeSQL: Self.viewColumns) FROM list_views WHERE id = \(id) AND user_id = \(userID)").first.map(Self.view)
    }

    func named(_ db: Connection, _ name: String, kind: ListKind, of userID: Int64) async throws -> ListViewRecord? {
        try await db.query("""
            SELECT \(unsafeSQL: Self.viewColumns) FROM list_views WHERE user_id = \(userID) AND kind = \(kind.rawValue) AND lower(name) = lower(\(name))
            """).first.map(Self.view)
    }

    func create(_ db: Connection, userID: Int64, kind: ListKind, name: String, parameters: String) async throws -> ListViewRecord {
        let created = try Self.view(try await db.expectRow("""
            INSERT INTO list_views (user_id, kind, name, parameters) VALUES (\(userID), \(kind.rawValue), \(name), \(parameters))
            RETURNING \(unsafeSQL: Self.viewColumns)
            """))
        try await AuditTrail.record(db, actorID: userID, entity: "list_view", entityID: created.id, action: .create, before: nil, after: .of(created))
        return created
    }

    /// Removes one of the person's views; false when they have no such view.
    func delete(_ db: Connection, id: Int64, of userID: Int64) async throws -> Bool {
        guard let row = try await db.query("""
            DELETE FROM list_views WHERE id = \(id) AND user_id = \(userID) RETURNING \(unsafeSQL: Self.viewColumns)
            """).first else { return false }
        try await AuditTrail.record(db, actorID: userID, entity: "list_view", entityID: id, action: .delete, before: .of(try Self.view(row)), after: nil)
        return true
    }
}
