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
    /// `FROM` and `JOIN`s, with the aliases the columns use.
    var from: String
    /// The record's id, for row order ties and the rows' `data-id`.
    var id: String
    var scope: @Sendable (Caller) -> Query
    var columns: [ListColumn]
    var filters: [ListFilter]
    var sort: String
    /// The money the summary adds up ("total USD 1,200,000.00"), when the kind has one.
    var total: String?

    func column(_ key: String) -> ListColumn? { columns.first { $0.key == key } }

    /// The sales lists' scope: records of the accounts the caller sees, not archived.
    static func unarchived(_ alias: String) -> @Sendable (Caller) -> Query {
        { caller in "\(Scope.accounts(caller)) AND \(unsafeSQL: alias).archived_at IS NULL" }
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

/// Filters more than one kind shares.
extension ListFilter {
    static func search(_ placeholder: String, _ condition: @escaping @Sendable (String) -> Query) -> ListFilter {
        ListFilter(key: "q", label: "Search", control: .search(placeholder: placeholder)) { text, _ in
            condition(Scope.containsPattern(text))
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
    static let opportunities = ListSpec(
        kind: .opportunities, title: "Deals", noun: "deal", nouns: "deals",
        from: "opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key JOIN users u ON u.id = o.owner_id",
        id: "o.id",
        scope: ListSpec.unarchived("o"),
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
            .search("Deal or account") { "(o.name ILIKE \($0) OR a.name ILIKE \($0))" },
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
                default: "NOT (s.is_won OR s.is_lost)"
                }
            },
            ListFilter(key: "closeFrom", label: "Closing from", control: .date) { value, _ in CalendarDate(value).map { "o.close_date >= \($0)" } },
            ListFilter(key: "closeTo", label: "to", control: .date) { value, _ in CalendarDate(value).map { "o.close_date <= \($0)" } },
            ListFilter(key: "amountMin", label: "Amount from", control: .amount) { value, _ in ListParameters.amount(value).map { "o.amount >= \($0)" } },
            ListFilter(key: "amountMax", label: "to", control: .amount) { value, _ in ListParameters.amount(value).map { "o.amount <= \($0)" } },
        ],
        sort: "closeDate", total: "o.amount")

    static let contacts = ListSpec(
        kind: .contacts, title: "Contacts", noun: "contact", nouns: "contacts",
        from: "contacts c JOIN accounts a ON a.id = c.account_id LEFT JOIN users u ON u.id = a.owner_id",
        id: "c.id",
        scope: ListSpec.unarchived("c"),
        columns: [
            ListColumn(key: "name", label: "Name", sql: "c.name", sort: "lower(c.name)"),
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
            .search("Name, email or account") { "(c.name ILIKE \($0) OR c.email ILIKE \($0) OR a.name ILIKE \($0))" },
            .key("role", "Buying role", BuyingRole.self, any: "Any role", column: "c.buying_role"),
            .id("owner", "Account owner", .accountOwners, any: "Anyone", column: "a.owner_id"),
            .id("account", "Account", nil, any: "", column: "c.account_id"),
        ],
        sort: "name", total: nil)

    static let accounts = ListSpec(
        kind: .accounts, title: "Accounts", noun: "account", nouns: "accounts",
        from: "accounts a LEFT JOIN users u ON u.id = a.owner_id",
        id: "a.id",
        scope: ListSpec.unarchived("a"),
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
        from: "projects j JOIN accounts a ON a.id = j.account_id LEFT JOIN users u ON u.id = j.project_manager_id",
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
