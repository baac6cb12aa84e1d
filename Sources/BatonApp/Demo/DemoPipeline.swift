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
        let admin = try await UserStore.caller(db, id: adminID)
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

        // Opportunities, closing from six quarters back to two quarters ahead, brought
        // in with their stage histories as a firm leaving another CRM brings its own.
        let openStages: [(String, Decimal, String)] = [("prospecting", 10, "pipeline"), ("qualification", 20, "pipeline"),
                                                        ("needs_analysis", 40, "pipeline"), ("proposal", 60, "best_case"),
                                                        ("negotiation", 80, "commit")]
        let stages = Dictionary(uniqueKeysWithValues: try await services.stages.all(db).map { ($0.key, $0.stage) })
        var deals: [HistoricDeal] = []
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
            let kind: OpportunityKind = wonAccounts.contains(accountID) && random.chance(0.6)
                ? (random.chance(0.7) ? .expansion : .renewal) : .newBusiness
            let name = random.pick(Self.deals)
            let partner = random.chance(0.4) ? random.pick(partners) : nil
            let projectManager = random.chance(0.5) ? random.pick(projectManagers) : nil
            guard let current = stages[stage] else { throw ValidationFailure("stage", "The demo needs the pipeline stage \(stage)") }
            let owner = owners[a]
            var team = [TeamMember(userId: owner, role: .owner, splitPercent: 100)]
            if let partner, partner != owner {
                team = [TeamMember(userId: owner, role: .owner, splitPercent: 60),
                        TeamMember(userId: partner, role: .salesPartner, splitPercent: 40)]
            }
            if let projectManager { team.append(TeamMember(userId: projectManager, role: .projectManager, splitPercent: 0)) }
            // Stage steps spread evenly from creation to the close (or to today while open).
            let steps = path + (path.last == stage ? [] : [stage])
            let span = max(1, created.days(until: closedOn ?? today))
            deals.append(HistoricDeal(
                fields: OpportunityFields(
                    accountID: accountID, name: name, kind: kind, stage: current, amount: amount, closeDate: closeDate,
                    ownerID: owner, team: team, probabilityOverride: nil, categoryOverride: nil, nextStep: nil, source: nil,
                    closedOn: closedOn, lostReason: lostReason, externalID: "demo:opportunity-\(i + 1)"),
                createdOn: created,
                steps: steps.enumerated().map { k, key in
                    HistoricDeal.Step(stageKey: key, on: created.adding(days: span * k / max(1, steps.count)))
                }))
        }
        _ = try await OpportunityActions(services: services).recordHistory(db, caller: admin, deals: deals)

        // Activities: a few per account, and open tasks for the coming two weeks.
        var activities: [HistoricActivity] = []
        let now = Timestamp.now
        func activity(_ kind: ActivityKind, _ subject: String, _ a: Int, due: Timestamp?, done: Timestamp?, at: Timestamp) -> HistoricActivity {
            HistoricActivity(fields: ActivityFields(
                kind: kind, subject: subject, body: nil, accountID: accountIDs[a], contactID: nil, opportunityID: nil,
                projectID: nil, ownerID: owners[a], dueAt: due, doneAt: done), createdAt: at)
        }
        for a in accountIDs.indices {
            for _ in 0..<random.int(2...5) {
                let kind = random.pick([ActivityKind.call, .meeting, .email, .note])
                let when = Timestamp(microsecondsSinceEpoch: now.microsecondsSinceEpoch - Int64(random.int(1...360)) * 86_400_000_000)
                let subject = random.pick(["Quarterly review", "Intro call", "Scope workshop", "Pricing follow-up",
                                           "Site visit", "Renewal check-in", "Sent case study"])
                activities.append(activity(kind, subject, a, due: nil, done: when, at: when))
            }
            if random.chance(0.3) {
                let subject = random.pick(["Send revised SOW", "Call about renewal", "Book site visit", "Chase signature"])
                let due = Timestamp(microsecondsSinceEpoch: now.microsecondsSinceEpoch + Int64(random.int(0...14)) * 86_400_000_000)
                activities.append(activity(.task, subject, a, due: due, done: nil, at: now))
            }
        }
        _ = try await ActivityActions(services: services).recordHistory(db, caller: admin, activities: activities)
    }
}
