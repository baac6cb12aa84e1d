import BatonCore
import Dates
import Foundation
import Postgres

/// Home: what needs the person today.
struct HomePage {
    struct Task { var subject: String; var due: String; var accountId: Int64; var late: Bool }
    struct Review { var id: Int64; var number: Int; var opportunity: String }
    struct PhaseDue { var project: String; var projectId: Int64; var phase: String; var due: String; var late: Bool }
    var tasks: [Task]
    var reviews: [Review]
    var phases: [PhaseDue]
    var hasTasks: Bool
    var hasReviews: Bool
    var hasPhases: Bool

    static func build(_ db: Connection, caller: Caller, services: AppServices) async throws -> HomePage {
        let now = Timestamp.now
        let tasks = try await db.query("""
            SELECT subject, due_at, account_id FROM activities
            WHERE owner_id = \(caller.id) AND done_at IS NULL AND archived_at IS NULL AND kind = 'task'
            ORDER BY coalesce(due_at, 'infinity'), id LIMIT 20
            """).map { row -> Task in
            let due: Timestamp? = try row.decode("due_at")
            return Task(subject: try row.decode("subject"), due: due?.calendarDate.description ?? "no date",
                        accountId: try row.decode("account_id"), late: due.map { $0 < now } ?? false)
        }
        let reviews = try await db.query("""
            SELECT p.id, p.number, o.name FROM proposals p JOIN opportunities o ON o.id = p.opportunity_id
            WHERE p.reviewer_id = \(caller.id) AND p.status = 'in_review' ORDER BY p.id
            """).map { Review(id: try $0.decode("id"), number: try $0.decode("number"), opportunity: try $0.decode("name")) }
        let today = now.calendarDate
        let phases = try await db.query("""
            SELECT j.id, j.name AS project, ph.name, ph.due_date FROM project_phases ph JOIN projects j ON j.id = ph.project_id
            WHERE j.project_manager_id = \(caller.id) AND ph.completed_on IS NULL AND ph.due_date <= \(today.adding(days: 14))
              AND j.status NOT IN ('cancelled', 'on_hold')
            ORDER BY ph.due_date, ph.id LIMIT 20
            """).map { row -> PhaseDue in
            let due: CalendarDate = try row.decode("due_date")
            return PhaseDue(project: try row.decode("project"), projectId: try row.decode("id"), phase: try row.decode("name"),
                            due: due.description, late: due < today)
        }
        return HomePage(tasks: tasks, reviews: reviews, phases: phases, hasTasks: !tasks.isEmpty, hasReviews: !reviews.isEmpty,
                        hasPhases: !phases.isEmpty)
    }
}

/// An account's record page: its fields, its timeline with a box to log a call,
/// and what is linked to it.
struct AccountPage {
    struct Entry { var at: String; var what: String; var detail: String }
    struct Deal { var id: Int64; var name: String; var stage: String; var amount: String; var closeDate: String }
    var account: AccountRecord
    var address: String
    var owner: String
    var contacts: [ContactRecord]
    var deals: [Deal]
    var timeline: [Entry]
    var hasContacts: Bool
    var hasDeals: Bool

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices) async throws -> AccountPage? {
        guard let account = try await services.accounts.find(db, id: id, visibleTo: caller) else { return nil }
        let owner = try await account.ownerId.asyncMap { try await services.users.findAny(db, id: $0)?.name } ?? nil
        let contacts = try await services.contacts.list(db, visibleTo: caller, filter: .init(accountID: id), page: try PageRequest(limit: 100)).items
        let currency = services.configuration.currency
        let deals = try await services.opportunities.list(db, visibleTo: caller, filter: .init(accountID: id), page: try PageRequest(limit: 100)).items
            .map { Deal(id: $0.id, name: $0.name, stage: $0.stage.replacingOccurrences(of: "_", with: " "),
                        amount: $0.amount.amount.display(currency: currency), closeDate: $0.closeDate.description) }
        let timeline = try await services.timeline.page(db, accountID: id, page: try PageRequest(limit: 30)).items.map { e in
            Entry(at: e.at.description.prefix(16).replacingOccurrences(of: "T", with: " "),
                  what: e.type == "activity" ? e.kind : "\(e.entity) \(e.kind)",
                  detail: e.subject ?? (e.changes ?? [:]).keys.sorted().joined(separator: ", "))
        }
        return AccountPage(account: account, address: account.address.singleLine, owner: owner ?? "nobody", contacts: contacts,
                           deals: deals, timeline: timeline, hasContacts: !contacts.isEmpty, hasDeals: !deals.isEmpty)
    }
}

extension PageRequest {
    /// A first page of `limit` rows, for pages that show a fixed number.
    init(limit: Int) throws {
        self.limit = limit
        self.cursor = nil
    }
}
