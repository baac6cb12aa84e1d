import BatonCore
import Dates
import Foundation
import Postgres

/// The demo firm's catalog of typical projects, and proposals in every status on
/// its open opportunities (one accepted, so one project exists from the start).
struct DemoCatalog {
    let services: AppServices
    let people: [String: Int64]
    let today: CalendarDate

    typealias P = TypicalProjectRecord.Phase
    typealias S = TypicalProjectRecord.Skill

    static func phase(_ name: String, _ offset: Int, _ length: Int, _ share: Decimal, _ skills: [(String, Decimal)]) -> P {
        P(name: name, offsetDays: offset, lengthDays: length, sharePercent: DecimalString(share),
          skills: skills.map { S(skill: $0.0, hours: DecimalString($0.1)) })
    }

    static let signed = TypicalProjectRecord.ChecklistItem(text: "Client signed the acceptance form", required: true)
    static let lessons = TypicalProjectRecord.ChecklistItem(text: "Lessons learned recorded", required: false)

    static let catalog: [TypicalProjectFields] = [
        .init(name: "Network assessment", description: "A review of the client's network with a written report and a roadmap.",
              pricing: .init(model: "fixed", price: Money(24000), rate: nil), typicalDurationDays: 21,
              phases: [phase("Discovery", 0, 14, 25, [("network engineering", 40)]),
                       phase("Report", 14, 7, 75, [("network engineering", 16), ("writing", 8)])],
              checklist: [signed, lessons]),
        .init(name: "WAN refresh", description: "Design and roll out a new wide-area network across the client's sites.",
              pricing: .init(model: "fixed", price: Money(85000), rate: nil), typicalDurationDays: 70,
              phases: [phase("Design", 0, 21, 30, [("network engineering", 60)]),
                       phase("Rollout", 21, 42, 50, [("network engineering", 120), ("cabling", 40)]),
                       phase("Handover", 63, 7, 20, [("network engineering", 16), ("training", 8)])],
              checklist: [signed, .init(text: "Network diagrams delivered", required: true), lessons]),
        .init(name: "Cloud migration", description: "Move workloads to the cloud with a tested cut-over and hypercare.",
              pricing: .init(model: "fixed", price: Money(120_000), rate: nil), typicalDurationDays: 73,
              phases: [phase("Assessment", 0, 14, 20, [("cloud architecture", 40)]),
                       phase("Migration", 14, 45, 60, [("cloud architecture", 160), ("data engineering", 80)]),
                       phase("Hypercare", 59, 14, 20, [("cloud architecture", 24)])],
              checklist: [signed, .init(text: "Runbook handed to the client's operations team", required: true), lessons]),
        .init(name: "Security audit", description: "Scoping, testing and a prioritised findings report.",
              pricing: .init(model: "fixed", price: Money(36000), rate: nil), typicalDurationDays: 28,
              phases: [phase("Scoping", 0, 7, 20, [("security", 16)]),
                       phase("Testing", 7, 14, 50, [("security", 80)]),
                       phase("Findings report", 21, 7, 30, [("security", 24), ("writing", 16)])],
              checklist: [signed, .init(text: "Findings walked through with the client", required: true)]),
        .init(name: "Managed-services onboarding", description: "Bring a client's estate under monthly managed support.",
              pricing: .init(model: "fixed", price: Money(18000), rate: nil), typicalDurationDays: 30,
              phases: [phase("Inventory", 0, 14, 40, [("network engineering", 24)]),
                       phase("Onboarding", 14, 16, 60, [("network engineering", 16), ("training", 8)])],
              checklist: [signed, .init(text: "Monitoring live for every device", required: true)]),
        .init(name: "Data platform build", description: "Design and build a data platform, billed by the hour.",
              pricing: .init(model: "hourly", price: nil, rate: Money(165)), typicalDurationDays: 42,
              phases: [phase("Design", 0, 14, 30, [("data engineering", 40)]),
                       phase("Build", 14, 28, 70, [("data engineering", 200)])],
              checklist: [signed, lessons]),
        .init(name: "Staff training program", description: "Hands-on training for the client's IT staff.",
              pricing: .init(model: "fixed", price: Money(12000), rate: nil), typicalDurationDays: 12,
              phases: [phase("Preparation", 0, 7, 40, [("training", 16), ("writing", 8)]),
                       phase("Delivery", 7, 5, 60, [("training", 24)])],
              checklist: [.init(text: "Attendance sheets returned", required: true)]),
        .init(name: "Cabling upgrade", description: "Survey and replace structured cabling at one site.",
              pricing: .init(model: "fixed", price: Money(30000), rate: nil), typicalDurationDays: 21,
              phases: [phase("Site survey", 0, 7, 20, [("cabling", 16)]),
                       phase("Installation", 7, 14, 80, [("cabling", 120)])],
              checklist: [signed, .init(text: "Test certificates for every run", required: true)]),
    ]

    func load(_ db: Connection) async throws {
        guard let adminID = people["admin"] else { return }
        let admin = try await UserStore.caller(db, id: adminID)
        var templates: [TypicalProjectRecord] = []
        for f in Self.catalog {
            let input = TypicalProjectInput(name: f.name, description: f.description, pricing: f.pricing,
                                            typicalDurationDays: f.typicalDurationDays, phases: f.phases, checklist: f.checklist)
            templates.append(try await CatalogActions(services: services).create(db, caller: admin, input: input))
        }
        // Open opportunities late in the pipeline get proposals, one status each.
        let opportunityIDs = try await DemoStore.openDeals(db, inStages: ["proposal", "negotiation"], limit: 8)
        let sellers = ["dev.patel", "erin.walsh"].compactMap { people[$0] }
        let reviewers = ["felix.braun", "grace.kim", "hiro.tanaka"].compactMap { people[$0] }
        let plans: [[ProposalAction]] = [
            [], [.submit], [.submit, .approve], [.submit, .approve, .send], [.submit, .approve, .send, .decline],
            [.submit, .approve, .send, .accept], [.submit, .return], [.submit, .approve, .send],
        ]
        let actions = ProposalActions(services: services)
        for (i, opportunityID) in opportunityIDs.enumerated() {
            let template = templates[i % templates.count]
            let author = try await UserStore.caller(db, id: sellers[i % sellers.count])
            let reviewer = try await UserStore.caller(db, id: reviewers[i % reviewers.count])
            try await joinTeam(db, opportunityID: opportunityID, seller: author.id, by: admin)
            // The last one's offer lapsed: sent, and valid until last week.
            let validUntil = i == 7 ? today.adding(days: -7) : today.adding(days: 30)
            var lines = [ProposalInput.Line(
                typicalProjectId: template.id, quantity: DecimalString(template.pricing.model == "hourly" ? 240 : 1),
                unit: template.pricing.model == "hourly" ? .hour : .fixed, unitPrice: Money(template.pricing.amount),
                discountPercent: DecimalString(0))]
            if i % 2 == 1 {
                // Pass-through: on the client's total, a budget item of the project, in no phase.
                lines.append(.init(description: "Travel", quantity: DecimalString(4), unit: .day, unitPrice: Money(250),
                                   discountPercent: DecimalString(0), kind: .passThrough))
            }
            let input = ProposalInput(
                reviewerId: reviewer.id, proposedStart: today.adding(days: 21 + 7 * i), validUntil: validUntil,
                terms: "Net 30. Prices exclude travel unless listed.", discountPercent: DecimalString(i % 3 == 0 ? 5 : 0), lines: lines)
            // A first version superseded by the second, for every other opportunity.
            let keys = Set(ProposalInput.Field.allCases.map(\.stringValue))
            if i % 2 == 0 { _ = try await actions.create(db, caller: author, opportunityID: opportunityID, input: input, keys: keys) }
            var proposal = try await actions.create(db, caller: author, opportunityID: opportunityID, input: input, keys: keys)
            for action in plans[i % plans.count] {
                let move = ProposalMoveInput(comment: action == .return ? "Phase 2 needs another week; please adjust the start." : nil,
                                             acceptedOn: today.adding(days: -1))
                proposal = try await actions.perform(db, caller: action == .approve || action == .return ? reviewer : author,
                                                     id: proposal.id, action: action, input: move).0
            }
        }
    }

    /// The seller who writes a deal's proposal joins its team first, with no split: a
    /// seller sees the deals they are on, and the proposal is theirs to carry.
    private func joinTeam(_ db: Connection, opportunityID: Int64, seller: Int64, by admin: Caller) async throws {
        guard let deal = try await services.opportunities.find(db, id: opportunityID, visibleTo: admin),
              !deal.team.contains(where: { $0.userId == seller }) else { return }
        let team = deal.team.map { MemberInput(userId: $0.userId, role: $0.role, splitPercent: $0.splitPercent) }
            + [MemberInput(userId: seller, role: .salesPartner, splitPercent: DecimalString(0))]
        _ = try await OpportunityActions(services: services).change(
            db, caller: admin, id: opportunityID, expected: nil, input: OpportunityInput(team: team), keys: ["team"])
    }
}
