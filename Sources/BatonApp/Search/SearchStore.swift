import BatonCore
import Foundation
import Postgres

/// One record a search found: what it is called, a line that says which one it is
/// (the account of a contact, the email of a person), and where it lives.
struct SearchHit: Sendable, Codable, Equatable {
    var id: Int64
    var name, detail, href: String
}

/// What the header's search found, grouped by kind, each group in the order people
/// expect: names that start with the text first, then alphabetically.
struct SearchResults: Sendable, Codable, Equatable {
    var query: String
    var accounts, contacts, opportunities, projects, people: [SearchHit]

    var isEmpty: Bool { accounts.isEmpty && contacts.isEmpty && opportunities.isEmpty && projects.isEmpty && people.isEmpty }
}

/// The SQL of the global search (issue 19, item 3). Each kind is read through the same
/// scope its own list applies, so a search never shows a record its page would refuse.
/// Accounts, contacts and deals are found by `search_ids` (sql/functions/search.sql),
/// which applies the viewer's visible accounts itself and may start from the trigram
/// indexes (sql/0004, 0005, 0031): under row-level security an ILIKE cannot use them,
/// and an account manager's search read every deal they see (0.7–1 s at a million).
/// The rows are then read here under the caller's own policies, which hold it again.
struct SearchStore: Sendable {
    /// How many of each kind the header shows; the kind's list page has the rest.
    static let perKind = 8
    /// Fewer characters than this match too much to be worth reading (and trigram
    /// indexes cannot answer them).
    static let shortest = 2

    func search(_ db: Connection, visibleTo caller: Caller, text raw: String) async throws -> SearchResults {
        let text = raw.trimmed
        var results = SearchResults(query: text, accounts: [], contacts: [], opportunities: [], projects: [], people: [])
        guard text.count >= Self.shortest else { return results }
        let pattern = Scope.containsPattern(text)
        let prefix = String(pattern.dropFirst())
        // A phone is matched on its digits, only when the text is mostly a number.
        let digits = text.filter(\.isNumber)
        let phone: String? = digits.count >= 3 && digits.count * 2 >= text.filter({ !$0.isWhitespace }).count ? "%" + digits + "%" : nil
        // The ids of one kind's best matches the caller sees (an admin sees every account).
        let viewer: Int64? = caller.isAdmin ? nil : caller.id
        let matches = { (kind: String) -> Query in
            "(SELECT search_ids(\(kind), \(viewer)::bigint, \(pattern), \(prefix), \(phone)::text, \(Self.perKind)::integer))"
        }
        if PipelineAccess.canRead(caller.roles) {
            results.accounts = try await hits(db, """
                SELECT a.id, a.name, coalesce(a.domain, '') AS detail FROM accounts a WHERE a.id IN \(matches("accounts"))
                ORDER BY a.name ILIKE \(prefix) DESC, lower(a.name), a.id
                """) { Site.account($0) }
            results.contacts = try await hits(db, """
                SELECT c.id, c.name, a.name || coalesce(' · ' || c.email, '') || coalesce(' · ' || c.phone, '') AS detail
                FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id IN \(matches("contacts"))
                ORDER BY c.name ILIKE \(prefix) DESC, lower(c.name), c.id
                """) { Site.contact($0) }
            results.opportunities = try await hits(db, """
                SELECT o.id, o.name, a.name AS detail FROM opportunities o JOIN accounts a ON a.id = o.account_id
                WHERE o.id IN \(matches("opportunities"))
                ORDER BY o.name ILIKE \(prefix) DESC, lower(o.name), o.id
                """) { Site.opportunity($0) }
        }
        results.projects = try await hits(db, """
            SELECT j.id, j.name, a.name AS detail FROM projects j JOIN accounts a ON a.id = j.account_id
            WHERE \(ProjectStore.scope(caller)) AND j.name ILIKE \(pattern)
            ORDER BY j.name ILIKE \(prefix) DESC, lower(j.name), j.id LIMIT \(Self.perKind)
            """) { Site.project($0) }
        results.people = try await hits(db, """
            SELECT u.id, u.name, u.email AS detail FROM users u
            WHERE u.active AND \(UserStore.scope(caller)) AND (u.name ILIKE \(pattern) OR u.email ILIKE \(pattern))
            ORDER BY u.name ILIKE \(prefix) DESC, lower(u.name), u.id LIMIT \(Self.perKind)
            """) { id in
                // People's records are admin pages; others reach a colleague by email.
                caller.isAdmin || caller.has(.manager) ? Site.adminPerson(id) : ""
            }
        for index in results.people.indices where results.people[index].href.isEmpty {
            results.people[index].href = "mailto:" + results.people[index].detail
        }
        return results
    }

    /// Reads `id, name, detail` rows; `link` makes the address from the id.
    private func hits(_ db: Connection, _ sql: Query, link: (Int64) -> String) async throws -> [SearchHit] {
        try await db.query(sql).map { row in
            let id: Int64 = try row.decode("id")
            return SearchHit(id: id, name: try row.decode("name"), detail: try row.decode("detail"), href: link(id))
        }
    }
}
