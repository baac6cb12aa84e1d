import BatonCore
import Dates
import Foundation
import Postgres

/// The four lists (issue 19, item 4). One mechanism draws, filters, sorts, counts,
/// pages, saves and exports each of them; what differs is only this description:
/// which columns a kind has, which filters apply to it, and where its rows come from.
enum ListKind: String, Sendable, CaseIterable, Codable {
    case accounts, contacts, opportunities, projects

    var spec: ListSpec {
        switch self {
        case .accounts: .accounts
        case .contacts: .contacts
        case .opportunities: .opportunities
        case .projects: .projects
        }
    }

    /// The list's page, where a saved view of this kind opens.
    var path: String {
        switch self {
        case .accounts: Site.accounts()
        case .contacts: Site.contacts()
        case .opportunities: Site.opportunities()
        case .projects: Site.projects()
        }
    }
}

/// One column a list can show. Its SQL is written here, never taken from the address:
/// the address only names columns by key.
struct ListColumn: Sendable {
    /// How a value reads on the page; the CSV keeps the stored form of money and dates
    /// (`30000.00`, `2026-12-01`) so that a spreadsheet reads them as numbers and dates.
    enum Style: Sendable { case text, money, date, label, yesNo, email, phone, status, progress }
    /// The record a cell links to: the id's SQL, and the page around it.
    struct Link: Sendable { var id: String; var path: String; var fragment = "" }

    var key, label, sql: String
    var sort: String?
    var style = Style.text
    var link: Link?
    /// Shown when the address names no columns.
    var standard = true

    var numeric: Bool { style == .money }
}

/// One filter: the address parameter it reads, its control on the page, and the
/// condition it adds (nil when the value does not parse: a half-typed filter is
/// left out and shown as typed, never a failed page).
struct ListFilter: Sendable {
    enum Control: Sendable {
        case search(placeholder: String)
        /// Words typed into a field with its own label ("Account"), matched anywhere in a name.
        case text(placeholder: String)
        case choice(ListChoices, any: String?)
        case date, amount
        case check
        /// Read from the address (a link from another page), with no control of its own.
        case hidden
    }
    var key, label: String
    var control: Control
    /// What applies when the address does not name this filter ("open" deals).
    var standard: String?
    var condition: @Sendable (_ value: String, _ caller: Caller) throws -> Query?
}

/// A table a list joins to its records for the columns it shows.
struct ListJoin: Sendable {
    var alias, sql: String
    /// True when the join neither adds nor removes a record's row (a foreign key's one
    /// row, or a LEFT JOIN to it, whose table's row-level security shows every row the
    /// records' own does), so a statement that does not read it may leave it out.
    var keepsEveryRow = true

    /// Whether `sql` reads a column through `alias` (`a.name`, `lower(a.name)`).
    static func names(_ alias: String, in sql: String) -> Bool {
        var rest = sql[...]
        while let found = rest.range(of: alias + ".") {
            let before = sql[..<found.lowerBound].last
            if before.map({ !($0.isLetter || $0.isNumber || $0 == "_") }) ?? true { return true }
            rest = rest[found.upperBound...]
        }
        return false
    }
}

/// Where a choice filter's options come from.
enum ListChoices: Sendable {
    case fixed([(value: String, label: String)])
    case dealOwners, accountOwners, projectManagers, stages, skills
}

/// A kind's list: its rows' source, columns, filters, standard sort, total and
/// ready-made views.
struct ListSpec: Sendable {
    var kind: ListKind
    var title, noun, nouns: String
    /// The records' table and its alias (`opportunities o`).
    var table: String
    /// The tables the columns read beside the records, in order.
    var joins: [ListJoin]
    /// The record's id, for row order ties and the rows' `data-id`.
    var id: String
    var scope: @Sendable (Caller) -> Query
    var columns: [ListColumn]
    var filters: [ListFilter]
    var sort: String
    /// The money the summary adds up ("total USD 1,200,000.00"), when the kind has one.
    var total: String?
    /// The count and total from kept totals instead of counting the rows, when the
    /// view asks nothing the totals cannot answer (nil: count the rows).
    var quickSummary: (@Sendable (ListParameters, Caller) -> Query?)? = nil

    func column(_ key: String) -> ListColumn? { columns.first { $0.key == key } }

    /// `FROM` and every `JOIN`: what the rows shown are read from.
    var from: String { ([table] + joins.map(\.sql)).joined(separator: " ") }

    /// `FROM` with only the joins that `sql` (a view's conditions, sort or total) names,
    /// and those the named ones join through. Finding, counting and ordering the rows then
    /// reads the records' own indexes: an account manager's count of open deals joined
    /// every deal to its account under the accounts' row-level security (22 ms) where the
    /// deals alone come from one index (5 ms).
    func from(naming sql: String) -> String {
        var needed = Set<String>()
        var kept: [ListJoin] = []
        for join in joins.reversed() where !join.keepsEveryRow || needed.contains(join.alias) || ListJoin.names(join.alias, in: sql) {
            kept.insert(join, at: 0)
            needed.formUnion(joins.map(\.alias).filter { ListJoin.names($0, in: join.sql) && $0 != join.alias })
        }
        return ([table] + kept.map(\.sql)).joined(separator: " ")
    }

    /// The views everyone has, beside the ones they saved: (name, parameters).
    func builtIn(for caller: Caller, today: CalendarDate) -> [(name: String, parameters: String)] {
        let me = String(caller.id)
        switch kind {
        case .opportunities:
            let quarter = CalendarDate.quarter(containing: today)
            return [("My open deals closing this quarter", "owner=\(me)&status=open&closeFrom=\(quarter.start)&closeTo=\(quarter.end)"),
                    ("All open deals", ""),
                    ("Won this quarter", "status=won&closeFrom=\(quarter.start)&closeTo=\(quarter.end)")]
        case .accounts: return [("My accounts", "owner=\(me)"), ("Active clients", "status=active"), ("All accounts", "")]
        case .contacts: return [("Decision makers", "role=decision_maker"), ("All contacts", "")]
        case .projects: return [("My projects", "pm=\(me)"), ("Late projects", "late=yes"), ("Active projects", "status=active"), ("All projects", "")]
        }
    }
}

extension CalendarDate {
    /// The calendar quarter a day falls in, first and last day.
    static func quarter(containing day: CalendarDate) -> (start: CalendarDate, end: CalendarDate) {
        let startMonth = (day.month - 1) / 3 * 3 + 1
        let start = CalendarDate(year: day.year, month: startMonth, day: 1) ?? day
        let next = startMonth == 10 ? CalendarDate(year: day.year + 1, month: 1, day: 1) : CalendarDate(year: day.year, month: startMonth + 3, day: 1)
        return (start, next.map { $0.adding(days: -1) } ?? day)
    }
}
