import BatonCore
import Dates
import Foundation
import Postgres

/// The demo firm's book of business: about 200 client accounts (some with parent
/// companies), 800 contacts, 1,500 opportunities spread over the last six quarters
/// and the next two with their stage histories, and the calls, meetings and tasks
/// around them. Deterministic from its seed and the day it is loaded.
struct DemoPipeline {
    let services: AppServices
    let people: [String: Int64]
    let today: CalendarDate
    var random = SeededGenerator(seed: 20_261_127)

    static let prefixes = ["North", "South", "Blue", "Red", "Iron", "Silver", "Granite", "Harbor", "Summit", "Cedar",
                           "Pioneer", "Atlas", "Beacon", "Canyon", "Delta", "Evergreen", "Frontier", "Glacier", "Horizon", "Juniper"]
    static let suffixes = ["wind Logistics", "field Health", "stone Energy", "line Freight", "peak Software", "water Utilities",
                           "gate Bank", "bridge Manufacturing", "light Retail", "point Insurance"]
    static let industries = ["Transportation", "Healthcare", "Energy", "Logistics", "Software", "Utilities", "Banking",
                             "Manufacturing", "Retail", "Insurance"]
    static let cities = [("Portland", "OR", "97201"), ("Seattle", "WA", "98101"), ("Denver", "CO", "80202"),
                         ("Boulder", "CO", "80302"), ("Salt Lake City", "UT", "84101"), ("Boise", "ID", "83702"),
                         ("Spokane", "WA", "99201"), ("Eugene", "OR", "97401")]
    static let firstNames = ["Alex", "Blair", "Casey", "Dana", "Eli", "Frankie", "Gabi", "Harper", "Indra", "Jordan",
                             "Kai", "Lee", "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Reese", "Sasha", "Taylor"]
    static let lastNames = ["Nguyen", "Garcia", "Smith", "Kowalski", "Haddad", "Okafor", "Larsen", "Moreau", "Ito",
                            "Schmidt", "Rossi", "Silva", "Cohen", "Novak", "Walsh", "Yilmaz"]
    static let titles = [("CIO", "decision_maker"), ("CTO", "decision_maker"), ("IT Director", "influencer"),
                         ("Network Manager", "technical"), ("Security Lead", "technical"), ("Controller", "billing"),
                         ("Operations Manager", "influencer"), ("Procurement Officer", "billing")]
    static let deals = ["Network assessment", "WAN refresh", "Cloud migration", "Security audit", "Data platform build",
                        "Staff training program", "Cabling upgrade", "Managed support renewal", "Firewall replacement",
                        "Wi-Fi rollout"]
    static let lossReasons = ["budget cut", "chose a competitor", "project postponed", "no decision", "price"]

    init(services: AppServices, people: [String: Int64], today: CalendarDate) {
        self.services = services
        self.people = people
        self.today = today
    }

    mutating func load(_ db: Connection) async throws {
        let sellers = ["ana.torres", "ben.okafor", "chloe.martin"].compactMap { people[$0] }
        let partners = ["dev.patel", "erin.walsh"].compactMap { people[$0] }
        let projectManagers = ["felix.braun", "grace.kim", "hiro.tanaka"].compactMap { people[$0] }
        guard !sellers.isEmpty else { return }

        // Accounts, every tenth a parent to the next two, and four contacts at each: made
        // by the admin through the accounts' actions, as the API would make them.
        guard let adminID = people["admin"] else { return }
        let admin = try await DemoDelivery.caller(db, id: adminID)
        let accounts = AccountActions(services: services), contacts = ContactActions(services: services)
        var accountIDs: [Int64] = [], domains: [String] = [], owners: [Int64] = []
        for i in 0..<200 {
            let prefix = Self.prefixes[i % Self.prefixes.count]
            let suffix = Self.suffixes[(i / Self.prefixes.count) % Self.suffixes.count]
            let name = prefix + suffix
            let domain = name.lowercased().filter { $0.isLetter } + ".example"
            let owner = sellers[i % sellers.count]
            let status: AccountStatus = random.chance(0.7) ? .active : (random.chance(0.8) ? .prospect : .former)
            let city = random.pick(Self.cities)
            let created = try await accounts.create(db, caller: admin, input: AccountInput(
                name: name, domain: domain, industry: Self.industries[(i / Self.prefixes.count) % Self.industries.count],
                ownerId: owner, parentId: [2, 3].contains((i + 1) % 10) ? accountIDs[i + 1 - (i + 1) % 10] : nil, status: status,
                address: Address(street: "\(100 + (i + 1) * 7) Main St", city: city.0, region: city.1, postalCode: city.2, country: "USA"),
                externalId: "demo:account-\(i + 1)"))
            accountIDs.append(created.id); domains.append(domain); owners.append(owner)
        }
        for (i, accountID) in accountIDs.enumerated() {
            for j in 0..<4 {
                let first = random.pick(Self.firstNames), last = random.pick(Self.lastNames)
                let title = random.pick(Self.titles)
                _ = try await contacts.create(db, caller: admin, input: ContactInput(
                    accountId: accountID, name: "\(first) \(last)", email: "\(first.lowercased()).\(last.lowercased())\(j)@\(domains[i])",
                    phone: "+1 555 \(String(format: "%04d", (i * 4 + j) % 10000))", title: title.0, buyingRole: BuyingRole(rawValue: title.1)))
            }
        }

        // Opportunities, closing from six quarters back to two quarters ahead.
        let openStages: [(String, Decimal, String)] = [("prospecting", 10, "pipeline"), ("qualification", 20, "pipeline"),
                                                        ("needs_analysis", 40, "pipeline"), ("proposal", 60, "best_case"),
                                                        ("negotiation", 80, "commit")]
        var o = OpportunityColumns()
        var wonAccounts = Set<Int64>()
        for i in 0..<1500 {
            let a = i % accountIDs.count
            let accountID = accountIDs[a]
            let closeDate = today.adding(days: random.int(-540...180))
            let cycle = random.int(30...150)
            let created = closeDate.adding(days: -cycle)
            let amount = Decimal(random.int(8...240) * 1000 + random.int(0...3) * 250)
            var path = ["prospecting", "qualification"]
            var stage: String
            var closedOn: CalendarDate?
            var lostReason: String?
            if closeDate < today {
                let won = random.chance(0.45)
                let reached = random.int(2...5)
                path = Array(openStages.prefix(reached).map(\.0))
                stage = won ? "closed_won" : "closed_lost"
                closedOn = min(closeDate, today)
                if !won { lostReason = random.pick(Self.lossReasons) }
                if won { wonAccounts.insert(accountID) }
            } else {
                let reached = random.int(1...5)
                path = Array(openStages.prefix(reached).map(\.0))
                stage = path.removeLast()
            }
            let kind = wonAccounts.contains(accountID) && random.chance(0.6) ? (random.chance(0.7) ? "expansion" : "renewal") : "new_business"
            o.add(external: "demo:opportunity-\(i + 1)", account: accountID, name: random.pick(Self.deals), kind: kind,
                  stage: stage, amount: amount, close: closeDate, owner: owners[a], created: created, closedOn: closedOn,
                  lostReason: lostReason, path: path, partner: random.chance(0.4) ? random.pick(partners) : nil,
                  projectManager: random.chance(0.5) ? random.pick(projectManagers) : nil, today: today)
        }
        try await o.insert(db)

        // Activities: a few per account, and open tasks for the coming two weeks.
        var kinds: [String] = [], subjects: [String] = [], activityAccounts: [Int64] = [], activityOwners: [Int64] = []
        var due: [Timestamp?] = [], done: [Timestamp?] = [], createdAt: [Timestamp] = []
        let now = Timestamp.now
        for (a, accountID) in accountIDs.enumerated() {
            for _ in 0..<random.int(2...5) {
                let kind = random.pick(["call", "meeting", "email", "note"])
                let when = Timestamp(microsecondsSinceEpoch: now.microsecondsSinceEpoch - Int64(random.int(1...360)) * 86_400_000_000)
                kinds.append(kind); activityAccounts.append(accountID); activityOwners.append(owners[a])
                subjects.append(random.pick(["Quarterly review", "Intro call", "Scope workshop", "Pricing follow-up",
                                             "Site visit", "Renewal check-in", "Sent case study"]))
                due.append(nil); done.append(when); createdAt.append(when)
            }
            if random.chance(0.3) {
                kinds.append("task"); activityAccounts.append(accountID); activityOwners.append(owners[a])
                subjects.append(random.pick(["Send revised SOW", "Call about renewal", "Book site visit", "Chase signature"]))
                due.append(Timestamp(microsecondsSinceEpoch: now.microsecondsSinceEpoch + Int64(random.int(0...14)) * 86_400_000_000))
                done.append(nil); createdAt.append(now)
            }
        }
        try await db.query("""
            INSERT INTO activities (kind, subject, account_id, owner_id, due_at, done_at, created_at, updated_at)
            SELECT k, s, a, o, d, dn, c, c
            FROM unnest(\(kinds)::text[], \(subjects)::text[], \(activityAccounts)::bigint[], \(activityOwners)::bigint[],
                        \(due.map { $0?.description })::timestamptz[], \(done.map { $0?.description })::timestamptz[],
                        \(createdAt)::timestamptz[]) AS x(k, s, a, o, d, dn, c)
            """)

        // The trail records that the demo loader created these records (the accounts'
        // and contacts' actions wrote their own).
        try await db.query("""
            INSERT INTO audit_log (entity, entity_id, action, changes)
            SELECT 'opportunity', id, 'create', jsonb_build_object('name', jsonb_build_object('old', NULL, 'new', name))
            FROM opportunities WHERE external_id LIKE 'demo:%'
            """)
    }
}

/// The demo's opportunities, gathered as columns and inserted in three statements.
private struct OpportunityColumns {
    var external: [String] = [], accounts: [Int64] = [], names: [String] = [], kinds: [String] = [], stages: [String] = []
    var amounts: [Decimal] = [], closes: [CalendarDate] = [], owners: [Int64] = [], created: [Timestamp] = []
    var closedOn: [CalendarDate?] = [], lostReasons: [String?] = [], entered: [Timestamp] = []
    var historyOpportunity: [String] = [], historyFrom: [String?] = [], historyTo: [String] = [], historyAt: [Timestamp] = []
    var teamOpportunity: [String] = [], teamUser: [Int64] = [], teamRole: [String] = [], teamSplit: [Decimal] = []

    mutating func add(
        external id: String, account: Int64, name: String, kind: String, stage: String, amount: Decimal, close: CalendarDate,
        owner: Int64, created createdOn: CalendarDate, closedOn closed: CalendarDate?, lostReason: String?, path: [String],
        partner: Int64?, projectManager: Int64?, today: CalendarDate
    ) {
        func at(_ day: CalendarDate) -> Timestamp {
            let afternoon = Timestamp(microsecondsSinceEpoch: Int64(min(day, today).daysSinceEpoch) * 86_400_000_000 + 15 * 3_600_000_000)
            return min(afternoon, Timestamp.now)
        }
        external.append(id); accounts.append(account); names.append(name); kinds.append(kind); stages.append(stage)
        amounts.append(amount); closes.append(close); owners.append(owner); created.append(at(createdOn))
        closedOn.append(closed); lostReasons.append(lostReason)
        // Stage steps spread evenly from creation to the close (or to today while open).
        let steps = path + (path.last == stage ? [] : [stage])
        let end = closed ?? today
        let span = max(1, createdOn.days(until: end))
        var previous: String?
        for (k, step) in steps.enumerated() {
            let day = createdOn.adding(days: span * k / max(1, steps.count))
            historyOpportunity.append(id); historyFrom.append(previous); historyTo.append(step); historyAt.append(at(day))
            previous = step
        }
        entered.append(historyAt.last ?? at(createdOn))
        if let partner, partner != owner {
            teamOpportunity.append(id); teamUser.append(owner); teamRole.append("owner"); teamSplit.append(60)
            teamOpportunity.append(id); teamUser.append(partner); teamRole.append("sales_partner"); teamSplit.append(40)
        } else {
            teamOpportunity.append(id); teamUser.append(owner); teamRole.append("owner"); teamSplit.append(100)
        }
        if let projectManager {
            teamOpportunity.append(id); teamUser.append(projectManager); teamRole.append("project_manager"); teamSplit.append(0)
        }
    }

    func insert(_ db: Connection) async throws {
        try await db.query("""
            INSERT INTO opportunities (external_id, account_id, name, kind, stage_key, amount, close_date, owner_id, closed_on,
                                       lost_reason, stage_entered_at, created_at, updated_at)
            SELECT e, a, n, k, s, am, cd, o, co, lr, en, cr, en
            FROM unnest(\(external)::text[], \(accounts)::bigint[], \(names)::text[], \(kinds)::text[], \(stages)::text[],
                        \(amounts)::numeric[], \(closes)::date[], \(owners)::bigint[], \(closedOn)::date[],
                        \(lostReasons)::text[], \(entered)::timestamptz[], \(created)::timestamptz[])
                 AS x(e, a, n, k, s, am, cd, o, co, lr, en, cr)
            """)
        try await db.query("""
            INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
            SELECT o.id, t.u, t.r, t.s
            FROM unnest(\(teamOpportunity)::text[], \(teamUser)::bigint[], \(teamRole)::text[], \(teamSplit)::numeric[]) AS t(e, u, r, s)
            JOIN opportunities o ON o.external_id = t.e
            """)
        try await db.query("""
            INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, changed_at, amount, close_date,
                                                   probability, forecast_category)
            SELECT o.id, h.f, h.t, h.at, o.amount, o.close_date, s.probability, s.forecast_category
            FROM unnest(\(historyOpportunity)::text[], \(historyFrom)::text[], \(historyTo)::text[], \(historyAt)::timestamptz[])
                 AS h(e, f, t, at)
            JOIN opportunities o ON o.external_id = h.e
            JOIN pipeline_stages s ON s.key = h.t
            """)
    }
}
