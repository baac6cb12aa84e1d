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
        let admin = try await DemoDelivery.caller(db, id: adminID)
        var templates: [TypicalProjectRecord] = []
        for f in Self.catalog {
            let input = TypicalProjectInput(name: f.name, description: f.description, pricing: f.pricing,
                                            typicalDurationDays: f.typicalDurationDays, phases: f.phases, checklist: f.checklist)
            templates.append(try await CatalogActions(services: services).create(db, caller: admin, input: input))
        }
        // Open opportunities late in the pipeline get proposals, one status each.
        let rows = try await db.query("""
            SELECT o.id FROM opportunities o
            WHERE o.stage_key IN ('proposal', 'negotiation') AND o.external_id LIKE 'demo:%'
            ORDER BY o.close_date, o.id LIMIT 8
            """)
        let opportunityIDs: [Int64] = try rows.map { try $0.decode("id") }
        let sellers = ["dev.patel", "erin.walsh"].compactMap { people[$0] }
        let reviewers = ["felix.braun", "grace.kim", "hiro.tanaka"].compactMap { people[$0] }
        let plans: [[ProposalAction]] = [
            [], [.submit], [.submit, .approve], [.submit, .approve, .send], [.submit, .approve, .send, .decline],
            [.submit, .approve, .send, .accept], [.submit, .return], [.submit, .approve, .send],
        ]
        for (i, opportunityID) in opportunityIDs.enumerated() {
            let template = templates[i % templates.count]
            let author = sellers[i % sellers.count]
            let reviewer = reviewers[i % reviewers.count]
            let start = today.adding(days: 21 + 7 * i)
            // The last one's offer lapsed: sent, and valid until last week.
            let validUntil = i == 7 ? today.adding(days: -7) : today.adding(days: 30)
            var draft = ProposalDraft(
                reviewerID: reviewer, terms: "Net 30. Prices exclude travel unless listed.", validUntil: validUntil,
                proposedStart: start, discountPercent: i % 3 == 0 ? 5 : 0,
                lines: [ProposalLineInput(typicalProjectId: template.id, description: nil, quantity: 1,
                                          unit: template.pricing.model == "hourly" ? .hour : .fixed,
                                          unitPrice: template.pricing.amount, discountPercent: 0)])
            if template.pricing.model == "hourly" { draft.lines[0].quantity = 240 }
            if i % 2 == 1 {
                // Pass-through: on the client's total, a budget item of the project, in no phase.
                draft.lines.append(ProposalLineInput(typicalProjectId: nil, description: "Travel", quantity: 4, unit: .day,
                                                     unitPrice: 250, discountPercent: 0, kind: .passThrough))
            }
            // A first version superseded by the second, for every other opportunity.
            if i % 2 == 0 {
                _ = try await services.proposals.create(db, opportunityID: opportunityID, draft: draft, by: author, today: today)
            }
            var proposal = try await services.proposals.create(db, opportunityID: opportunityID, draft: draft, by: author, today: today)
            var status = ProposalStatus.draft
            for action in plans[i % plans.count] {
                let actor = action == .approve || action == .return ? reviewer : author
                let acceptedOn = today.adding(days: -1)
                if action == .submit { try await Handoff.addReviewerToTeam(db, opportunityID: opportunityID, reviewerID: reviewer) }
                status = try ProposalWorkflow.apply(
                    action, to: status, actor: ProposalActor(isAuthorSide: true, isReviewer: true, isAdmin: false),
                    hasReviewer: true, validUntil: i == 7 ? nil : validUntil, today: today, acceptedOn: acceptedOn,
                    comment: action == .return ? "Phase 2 needs another week; please adjust the start." : nil)
                proposal = try await services.proposals.move(
                    db, proposal, action: action, to: status,
                    comment: action == .return ? "Phase 2 needs another week; please adjust the start." : nil,
                    acceptedOn: acceptedOn, by: actor, today: today)
                if action == .accept {
                    _ = try await Handoff(services: services).accept(db, proposal, acceptedOn: acceptedOn, by: actor)
                }
            }
        }
    }
}
