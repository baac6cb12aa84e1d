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
    /// The count and total read from kept totals, when the kind has them for this view.
    var quickSummary: Query?
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
    /// The page's rows come in two steps: which records, in order, from the tables the
    /// conditions and the sort name (the records' own indexes, often alone); then the
    /// shown columns of those 50, joined by id. Joined in one statement, an account
    /// manager's first page of open deals read each of their 8,215 open deals' rows to
    /// keep 50 (105 ms, 5 of it in the two steps).
    func page(_ db: Connection, _ view: ListView, caller: Caller) async throws -> ListResult {
        let spec = view.spec
        let whereClause = Self.whereClause(view, caller: caller)
        let total = spec.total.map { "coalesce(sum(\($0)), 0)" } ?? "0"
        let summary = try await db.query(view.quickSummary ?? """
            SELECT count(*) AS n, \(unsafeSQL: total) AS total FROM \(unsafeSQL: spec.from(naming: "\(whereClause) \(total)"))
            WHERE \(whereClause)
            """)
        let offset = (max(view.page, 1) - 1) * ListView.pageSize
        let order = Self.order(view)
        let ids: [Int64] = try await db.query("""
            SELECT (\(unsafeSQL: spec.id))::bigint AS row_id FROM \(unsafeSQL: spec.from(naming: "\(whereClause) \(order)"))
            WHERE \(whereClause) ORDER BY \(unsafeSQL: order) LIMIT \(ListView.pageSize) OFFSET \(offset)
            """).map { try $0.decode("row_id") }
        let rows = ids.isEmpty ? [] : try await db.query("""
            SELECT \(unsafeSQL: Self.selected(view)) FROM \(unsafeSQL: spec.from)
            WHERE \(unsafeSQL: spec.id) = ANY(\(ids)::bigint[]) ORDER BY \(unsafeSQL: order)
            """).map { try Self.row($0, view) }
        return ListResult(rows: rows,
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
        """
        SELECT \(unsafeSQL: selected(view)) FROM \(unsafeSQL: view.spec.from)
        WHERE \(whereClause(view, caller: caller)) ORDER BY \(unsafeSQL: order(view))
        """
    }

    /// The record's id, each shown column and the id it links to.
    static func selected(_ view: ListView) -> String {
        var list = ["(\(view.spec.id))::bigint AS row_id"]
        for (i, column) in view.columns.enumerated() {
            list.append("(\(column.sql))::text AS c\(i)")
            if let link = column.link { list.append("(\(link.id))::bigint AS l\(i)") }
        }
        return list.joined(separator: ", ")
    }

    /// The sort, then the id in the same direction: one order however many rows tie.
    static func order(_ view: ListView) -> String {
        let direction = view.descending ? "DESC" : "ASC"
        return "\(view.sort.sort ?? view.spec.id) \(direction), \(view.spec.id) \(direction)"
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
        // Under row-level security (acting_user() set) the EXISTS per person walked every deal of
        // everyone whose deals the caller does not see (0.9 s for an account manager at a million);
        // starting from the deals of the accounts they see reads only those.
        case .dealOwners: sql = """
            SELECT u.id::text AS value, u.name AS label FROM users u
            WHERE (acting_user() IS NULL AND EXISTS (SELECT 1 FROM opportunities o WHERE o.owner_id = u.id))
               OR u.id IN (SELECT o.owner_id FROM opportunities o WHERE o.account_id IN (SELECT v.account_id FROM visible_account_ids(acting_user()) v))
            ORDER BY u.name
            """
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

// MARK: What each list reads: its tables, columns and filters

/// Filters more than one kind shares.
extension ListFilter {
    static func search(_ placeholder: String, _ condition: @escaping @Sendable (String) -> Query) -> ListFilter {
        ListFilter(key: "q", label: "Search", control: .search(placeholder: placeholder)) { text, _ in
            condition(Scope.containsPattern(text))
        }
    }

    /// Records of the accounts whose name holds the words typed: a firm of thousands of
    /// accounts cannot offer them as a choice. The accounts are found by their names'
    /// trigram index first, then their records by account.
    static func accountName(column: String) -> ListFilter {
        ListFilter(key: "accountName", label: "Account", control: .text(placeholder: "Account name")) { text, _ in
            "\(unsafeSQL: column) IN (SELECT y.id FROM accounts y WHERE y.name ILIKE \(Scope.containsPattern(text)))"
        }
    }

    static func id(_ key: String, _ label: String, _ choices: ListChoices?, any: String, column: String) -> ListFilter {
        ListFilter(key: key, label: label, control: choices.map { .choice($0, any: any) } ?? .hidden) { value, _ in
            Int64(value).map { "\(unsafeSQL: column) = \($0)" }
        }
    }

    /// A filter on an enumeration's stored key: only its own keys filter.
    static func key<E: RawRepresentable & CaseIterable & Sendable>(_ key: String, _ label: String, _ type: E.Type, any: String,
                                                                   column: String) -> ListFilter where E.RawValue == String {
        ListFilter(key: key, label: label, control: .choice(.fixed(E.allCases.map { ($0.rawValue, Formatting.label($0.rawValue)) }), any: any)) { value, _ in
            E(rawValue: value).map { "\(unsafeSQL: column) = \($0.rawValue)" }
        }
    }
}

extension ListSpec {
    /// The sales lists' scope: records of the accounts the caller sees, not archived.
    /// Asked of the record's own account id, so that finding and counting the records
    /// needs no join to their accounts.
    static func unarchived(_ alias: String, account: String) -> @Sendable (Caller) -> Query {
        { caller in "\(Scope.accountOf(caller, column: account)) AND \(unsafeSQL: alias).archived_at IS NULL" }
    }

    static let opportunities = ListSpec(
        kind: .opportunities, title: "Deals", noun: "deal", nouns: "deals",
        table: "opportunities o",
        joins: [.init(alias: "a", sql: "JOIN accounts a ON a.id = o.account_id"),
                .init(alias: "s", sql: "JOIN pipeline_stages s ON s.key = o.stage_key"),
                .init(alias: "u", sql: "JOIN users u ON u.id = o.owner_id")],
        id: "o.id",
        scope: ListSpec.unarchived("o", account: "o.account_id"),
        columns: [
            ListColumn(key: "name", label: "Deal", sql: "o.name", sort: "lower(o.name)", link: .init(id: "o.id", path: "/opportunities/")),
            ListColumn(key: "account", label: "Account", sql: "a.name", sort: "lower(a.name)", link: .init(id: "a.id", path: "/accounts/")),
            ListColumn(key: "stage", label: "Stage", sql: "s.name", sort: "s.position"),
            ListColumn(key: "kind", label: "Kind", sql: "o.kind", sort: "o.kind", style: .label),
            ListColumn(key: "amount", label: "Amount", sql: "o.amount", sort: "o.amount", style: .money),
            ListColumn(key: "closeDate", label: "Close date", sql: "o.close_date", sort: "o.close_date", style: .date),
            ListColumn(key: "owner", label: "Owner", sql: "u.name", sort: "lower(u.name)"),
            ListColumn(key: "nextStep", label: "Next step", sql: "o.next_step", standard: false),
            ListColumn(key: "source", label: "Source", sql: "o.source", standard: false),
            ListColumn(key: "createdOn", label: "Created", sql: "o.created_at::date", sort: "o.created_at", style: .date, standard: false),
        ],
        filters: [
            // As two indexed lookups (the names' trigram indexes), not an OR across the join,
            // which reads every deal: 750 ms against 20 ms at a million deals.
            .search("Deal or account") {
                """
                o.id IN (SELECT x.id FROM opportunities x WHERE x.name ILIKE \($0)
                         UNION ALL SELECT x.id FROM opportunities x JOIN accounts y ON y.id = x.account_id WHERE y.name ILIKE \($0))
                """
            },
            .id("owner", "Owner", .dealOwners, any: "Anyone", column: "o.owner_id"),
            ListFilter(key: "stage", label: "Stage", control: .choice(.stages, any: "Any stage")) { value, _ in "o.stage_key = \(value)" },
            .key("kind", "Kind", OpportunityKind.self, any: "Any kind", column: "o.kind"),
            ListFilter(key: "status", label: "Status",
                       control: .choice(.fixed(["open", "won", "lost", "all"].map { ($0, Formatting.label($0)) }), any: nil),
                       standard: "open") { value, _ in
                switch value {
                case "won": "s.is_won"
                case "lost": "s.is_lost"
                case "all": nil
                // The deal's own flag (sql/0044), which its partial indexes select by.
                default: "o.is_open"
                }
            },
            ListFilter(key: "closeFrom", label: "Closing from", control: .date) { value, _ in CalendarDate(value).map { "o.close_date >= \($0)" } },
            ListFilter(key: "closeTo", label: "to", control: .date) { value, _ in CalendarDate(value).map { "o.close_date <= \($0)" } },
            ListFilter(key: "amountMin", label: "Amount from", control: .amount) { value, _ in ListParameters.amount(value).map { "o.amount >= \($0)" } },
            ListFilter(key: "amountMax", label: "to", control: .amount) { value, _ in ListParameters.amount(value).map { "o.amount <= \($0)" } },
            .accountName(column: "o.account_id"),
            // The account page's "Show all … deals" (issue 19): one account's deals, by the
            // (account, close date, id) index (sql/0047).
            .id("account", "Account", nil, any: "", column: "o.account_id"),
        ],
        sort: "closeDate", total: "o.amount", quickSummary: dealTotals)

    /// An admin's deals view filtered only by status, stage and owner (the list as it
    /// opens, "won", one person's deals) is counted from the totals the reports keep
    /// (`opportunity_stage_totals`: deals and amount per stage, owner and month, every
    /// deal not archived), not by counting a million rows. Any other filter, or a
    /// caller who sees only some accounts, counts the rows.
    static let dealTotals: @Sendable (ListParameters, Caller) -> Query? = { params, caller in
        guard caller.isAdmin, ["q", "kind", "closeFrom", "closeTo", "amountMin", "amountMax", "accountName", "account"].allSatisfy({ params[$0] == nil }) else { return nil }
        var conditions: [Query] = []
        if let stage = params["stage"] { conditions.append("t.stage_key = \(stage)") }
        if let owner = params["owner"].flatMap({ Int64($0) }) { conditions.append("t.owner_id = \(owner)") }
        switch params["status"] ?? "open" {
        case "won": conditions.append("s.is_won")
        case "lost": conditions.append("s.is_lost")
        case "all": break
        default: conditions.append("NOT (s.is_won OR s.is_lost)")
        }
        return """
            SELECT coalesce(sum(t.deals), 0) AS n, coalesce(sum(t.amount), 0) AS total
            FROM opportunity_stage_totals t JOIN pipeline_stages s ON s.key = t.stage_key
            WHERE \(Query.join(conditions + ["TRUE"], separator: " AND "))
            """
    }

    static let contacts = ListSpec(
        kind: .contacts, title: "Contacts", noun: "contact", nouns: "contacts",
        table: "contacts c",
        joins: [.init(alias: "a", sql: "JOIN accounts a ON a.id = c.account_id"),
                .init(alias: "u", sql: "LEFT JOIN users u ON u.id = a.owner_id")],
        id: "c.id",
        scope: ListSpec.unarchived("c", account: "c.account_id"),
        columns: [
            ListColumn(key: "name", label: "Name", sql: "c.name", sort: "lower(c.name)", link: .init(id: "c.id", path: "/contacts/")),
            ListColumn(key: "account", label: "Account", sql: "a.name", sort: "lower(a.name)",
                       link: .init(id: "a.id", path: "/accounts/", fragment: "#contacts")),
            ListColumn(key: "title", label: "Title", sql: "c.title", sort: "lower(c.title)"),
            ListColumn(key: "email", label: "Email", sql: "c.email", sort: "lower(c.email)", style: .email),
            ListColumn(key: "phone", label: "Phone", sql: "c.phone", style: .phone),
            ListColumn(key: "buyingRole", label: "Buying role", sql: "c.buying_role", sort: "c.buying_role", style: .label),
            ListColumn(key: "doNotContact", label: "Do not contact", sql: "c.do_not_contact", style: .yesNo),
            ListColumn(key: "accountOwner", label: "Account owner", sql: "u.name", sort: "lower(u.name)", standard: false),
        ],
        filters: [
            .search("Name, email or account") {
                """
                c.id IN (SELECT x.id FROM contacts x WHERE x.name ILIKE \($0) OR x.email ILIKE \($0)
                         UNION ALL SELECT x.id FROM contacts x JOIN accounts y ON y.id = x.account_id WHERE y.name ILIKE \($0))
                """
            },
            .key("role", "Buying role", BuyingRole.self, any: "Any role", column: "c.buying_role"),
            .id("owner", "Account owner", .accountOwners, any: "Anyone", column: "a.owner_id"),
            .accountName(column: "c.account_id"),
            .id("account", "Account", nil, any: "", column: "c.account_id"),
        ],
        sort: "name", total: nil)

    static let accounts = ListSpec(
        kind: .accounts, title: "Accounts", noun: "account", nouns: "accounts",
        table: "accounts a",
        joins: [.init(alias: "u", sql: "LEFT JOIN users u ON u.id = a.owner_id")],
        id: "a.id",
        scope: ListSpec.unarchived("a", account: "a.id"),
        columns: [
            ListColumn(key: "name", label: "Name", sql: "a.name", sort: "lower(a.name)", link: .init(id: "a.id", path: "/accounts/")),
            ListColumn(key: "domain", label: "Domain", sql: "a.domain", sort: "a.domain"),
            ListColumn(key: "industry", label: "Industry", sql: "a.industry", sort: "lower(a.industry)"),
            ListColumn(key: "owner", label: "Owner", sql: "u.name", sort: "lower(u.name)"),
            ListColumn(key: "status", label: "Status", sql: "a.status", sort: "a.status", style: .label),
            ListColumn(key: "city", label: "City", sql: "a.city", sort: "lower(a.city)", standard: false),
            ListColumn(key: "country", label: "Country", sql: "a.country", sort: "a.country", standard: false),
        ],
        filters: [
            .search("Name or domain") { "(a.name ILIKE \($0) OR a.domain ILIKE \($0))" },
            .id("owner", "Owner", .accountOwners, any: "Anyone", column: "a.owner_id"),
            .key("status", "Status", AccountStatus.self, any: "Any status", column: "a.status"),
        ],
        sort: "name", total: nil)

    /// A project's phases done and in all, and whether one is past its due date.
    static let projectProgress = "(SELECT count(*) FILTER (WHERE p.completed_on IS NOT NULL) || '/' || count(*) FROM project_phases p WHERE p.project_id = j.id)"
    static let projectLate = """
        (j.status NOT IN ('completed', 'cancelled') AND EXISTS (SELECT 1 FROM project_phases p WHERE p.project_id = j.id AND p.completed_on IS NULL AND p.due_date < current_date))
        """

    static let projects = ListSpec(
        kind: .projects, title: "Projects", noun: "project", nouns: "projects",
        table: "projects j",
        // A project's manager and its assigned people see it without seeing its account's
        // other records; its account's row under their row-level security is not certain.
        joins: [.init(alias: "a", sql: "JOIN accounts a ON a.id = j.account_id", keepsEveryRow: false),
                .init(alias: "u", sql: "LEFT JOIN users u ON u.id = j.project_manager_id")],
        id: "j.id",
        scope: { ProjectStore.scope($0) },
        columns: [
            ListColumn(key: "name", label: "Project", sql: "j.name", sort: "lower(j.name)", link: .init(id: "j.id", path: "/projects/")),
            ListColumn(key: "status", label: "Status", sql: "j.status", sort: "j.status", style: .status),
            ListColumn(key: "client", label: "Client", sql: "a.name", sort: "lower(a.name)", link: .init(id: "a.id", path: "/accounts/")),
            ListColumn(key: "manager", label: "Project manager", sql: "coalesce(u.name, 'nobody yet')", sort: "lower(u.name)"),
            ListColumn(key: "start", label: "Starts", sql: "j.start_date", sort: "j.start_date", style: .date),
            ListColumn(key: "due", label: "Due", sql: "(SELECT max(p.due_date) FROM project_phases p WHERE p.project_id = j.id)", style: .date),
            ListColumn(key: "progress", label: "Progress", sql: projectProgress, style: .progress),
            ListColumn(key: "late", label: "Late", sql: projectLate, style: .yesNo),
            ListColumn(key: "contractValue", label: "Contract value", sql: "j.contract_value", sort: "j.contract_value", style: .money, standard: false),
            ListColumn(key: "completedOn", label: "Completed", sql: "j.completed_on", sort: "j.completed_on", style: .date, standard: false),
        ],
        filters: [
            .search("Project or client") { "(j.name ILIKE \($0) OR a.name ILIKE \($0))" },
            // The API's own rule: a status it does not know is refused with its words.
            ListFilter(key: "status", label: "Status",
                       control: .choice(.fixed(ProjectStore.statuses.map { ($0, Formatting.label($0)) }), any: "Any status")) { value, _ in
                try ProjectStore.statusFilter(value).map { "j.status = \($0)" }
            },
            .id("pm", "Project manager", .projectManagers, any: "Anyone", column: "j.project_manager_id"),
            ListFilter(key: "skill", label: "Needs skill", control: .choice(.skills, any: "Any skill")) { value, _ in
                Int64(value).map {
                    "EXISTS (SELECT 1 FROM project_phases p JOIN project_skill_needs n ON n.phase_id = p.id WHERE p.project_id = j.id AND n.skill_id = \($0))"
                }
            },
            ListFilter(key: "late", label: "Late only", control: .check) { value, _ in value == "yes" ? Query(unsafeSQL: projectLate) : nil },
        ],
        sort: "start", total: "j.contract_value")
}
