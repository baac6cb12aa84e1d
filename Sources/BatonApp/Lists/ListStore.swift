import BatonCore
import Dates
import Foundation
import Postgres

/// What a list view of deals asks for: the filters, the sort and the page. Read from
/// the address, so a link (the next page, the CSV) carries the same view.
struct OpportunityListQuery: Sendable, Equatable {
    enum Sort: String, Sendable, CaseIterable { case close, amount, name, account }
    var text: String?
    var ownerID: Int64?
    var stage: String?
    var kind: OpportunityKind?
    var closingFrom, closingTo: CalendarDate?
    var amountMin, amountMax: Decimal?
    /// "open" (the default), "won", "lost" or "all".
    var status = "open"
    var sort = Sort.close
    var descending = false
    var page = 1
    static let pageSize = 50
}

struct ContactListQuery: Sendable, Equatable {
    var text: String?
    var accountID: Int64?
    var buyingRole: BuyingRole?
    var page = 1
    static let pageSize = 50
}

/// A deal as its list shows it: the names of its account, stage and owner with it.
struct OpportunityListRow: Sendable {
    var id, accountID: Int64
    var name, account, stage, owner: String
    var kind: OpportunityKind
    var amount: Decimal
    var closeDate: CalendarDate
}

/// A contact as its list shows it, with its account's name.
struct ContactListRow: Sendable {
    var id, accountID: Int64
    var name, account: String
    var title, email, phone: String?
    var buyingRole: BuyingRole?
    var doNotContact: Bool
}

/// One page of a list view, with the count and total of the whole view (every page).
struct ListResult<Row: Sendable>: Sendable {
    var rows: [Row]
    var count: Int
    var total: Decimal
}

/// The SQL of the list views: the same filters for the page and its CSV.
struct ListStore: Sendable {
    func opportunities(_ db: Connection, visibleTo caller: Caller, query q: OpportunityListQuery, all: Bool = false) async throws
        -> ListResult<OpportunityListRow>
    {
        var conditions: [Query] = [Scope.accounts(caller), "o.archived_at IS NULL"]
        if let text = q.text?.trimmed, !text.isEmpty {
            let pattern = Scope.containsPattern(text)
            conditions.append("(o.name ILIKE \(pattern) OR a.name ILIKE \(pattern))")
        }
        if let id = q.ownerID { conditions.append("o.owner_id = \(id)") }
        if let stage = q.stage { conditions.append("o.stage_key = \(stage)") }
        if let kind = q.kind { conditions.append("o.kind = \(kind.rawValue)") }
        if let from = q.closingFrom { conditions.append("o.close_date >= \(from)") }
        if let to = q.closingTo { conditions.append("o.close_date <= \(to)") }
        if let min = q.amountMin { conditions.append("o.amount >= \(min)") }
        if let max = q.amountMax { conditions.append("o.amount <= \(max)") }
        switch q.status {
        case "won": conditions.append("s.is_won")
        case "lost": conditions.append("s.is_lost")
        case "all": break
        default: conditions.append("NOT (s.is_won OR s.is_lost)")
        }
        let whereClause = Query.join(conditions, separator: " AND ")
        let from: Query = "opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key JOIN users u ON u.id = o.owner_id"
        let column: String = switch q.sort {
        case .close: "o.close_date"
        case .amount: "o.amount"
        case .name: "lower(o.name)"
        case .account: "lower(a.name)"
        }
        let direction = q.descending ? "DESC" : "ASC"
        let (limit, offset) = Self.window(page: q.page, size: OpportunityListQuery.pageSize, all: all)
        let summary = try await db.query("SELECT count(*) AS n, coalesce(sum(o.amount), 0) AS total FROM \(from) WHERE \(whereClause)")
        let rows = try await db.query("""
            SELECT o.id, o.name, o.account_id, a.name AS account_name, s.name AS stage_name, o.kind, o.amount, o.close_date,
                   u.name AS owner_name
            FROM \(from) WHERE \(whereClause)
            ORDER BY \(unsafeSQL: column) \(unsafeSQL: direction), o.id LIMIT \(limit) OFFSET \(offset)
            """)
        return ListResult(
            rows: try rows.map { row in
                OpportunityListRow(id: try row.decode("id"), accountID: try row.decode("account_id"), name: try row.decode("name"),
                                   account: try row.decode("account_name"), stage: try row.decode("stage_name"), owner: try row.decode("owner_name"),
                                   kind: OpportunityKind(rawValue: try row.decode("kind")) ?? .newBusiness,
                                   amount: try row.decode("amount"), closeDate: try row.decode("close_date"))
            },
            count: try summary.first?.decode("n", as: Int.self) ?? 0,
            total: try summary.first?.decode("total", as: Decimal.self) ?? 0)
    }

    func contacts(_ db: Connection, visibleTo caller: Caller, query q: ContactListQuery, all: Bool = false) async throws -> ListResult<ContactListRow> {
        var conditions: [Query] = [Scope.accounts(caller), "c.archived_at IS NULL"]
        if let text = q.text?.trimmed, !text.isEmpty {
            let pattern = Scope.containsPattern(text)
            conditions.append("(c.name ILIKE \(pattern) OR c.email ILIKE \(pattern) OR a.name ILIKE \(pattern))")
        }
        if let id = q.accountID { conditions.append("c.account_id = \(id)") }
        if let role = q.buyingRole { conditions.append("c.buying_role = \(role.rawValue)") }
        let whereClause = Query.join(conditions, separator: " AND ")
        let (limit, offset) = Self.window(page: q.page, size: ContactListQuery.pageSize, all: all)
        let summary = try await db.query("SELECT count(*) AS n FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE \(whereClause)")
        let rows = try await db.query("""
            SELECT c.id, c.name, c.account_id, a.name AS account_name, c.title, c.email, c.phone, c.buying_role, c.do_not_contact
            FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE \(whereClause)
            ORDER BY lower(c.name), c.id LIMIT \(limit) OFFSET \(offset)
            """)
        return ListResult(
            rows: try rows.map { row in
                let role: String? = try row.decode("buying_role")
                return ContactListRow(id: try row.decode("id"), accountID: try row.decode("account_id"), name: try row.decode("name"),
                                      account: try row.decode("account_name"), title: try row.decode("title"), email: try row.decode("email"),
                                      phone: try row.decode("phone"), buyingRole: role.flatMap(BuyingRole.init(rawValue:)),
                                      doNotContact: try row.decode("do_not_contact"))
            },
            count: try summary.first?.decode("n", as: Int.self) ?? 0, total: 0)
    }

    /// The rows of one page (from 1), or, for a CSV, of the whole view.
    static func window(page: Int, size: Int, all: Bool) -> (limit: Int, offset: Int) {
        all ? (100_000, 0) : (size, (max(page, 1) - 1) * size)
    }

    /// The stages and owners a deal filter offers, in board order and by name.
    func opportunityChoices(_ db: Connection) async throws -> (stages: [(key: String, name: String)], owners: [(id: Int64, name: String)]) {
        let stages = try await db.query("SELECT key, name FROM pipeline_stages ORDER BY position")
        let owners = try await db.query("SELECT DISTINCT u.id, u.name FROM users u JOIN opportunities o ON o.owner_id = u.id ORDER BY u.name")
        return (try stages.map { (key: try $0.decode("key"), name: try $0.decode("name")) },
                try owners.map { (id: try $0.decode("id"), name: try $0.decode("name")) })
    }
}
