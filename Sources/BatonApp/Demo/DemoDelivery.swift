import BatonCore
import Dates
import Foundation
import Postgres

/// The demo firm's delivery: won orders handed off into projects in every status,
/// staffed with consultants who work for several clients at once, some phases
/// late, one consultant overbooked, and a client status link.
struct DemoDelivery {
    let services: AppServices
    let people: [String: Int64]
    let today: CalendarDate

    func load(_ db: Connection) async throws {
        let templates = try await db.query("SELECT id FROM typical_projects ORDER BY id").map { try $0.decode("id", as: Int64.self) }
        let open = try await db.query("""
            SELECT o.id FROM opportunities o
            WHERE o.stage_key IN ('needs_analysis', 'qualification') AND o.external_id LIKE 'demo:%'
            ORDER BY o.close_date, o.id LIMIT 5
            """).map { try $0.decode("id", as: Int64.self) }
        guard !templates.isEmpty, let admin = people["admin"] else { return }
        let reviewers = ["felix.braun", "grace.kim", "hiro.tanaka"].compactMap { people[$0] }
        // Starts from two months ago to a month ahead: some work done, some late, some still to come.
        let starts = [-70, -45, -28, -10, 30]
        for (i, opportunityID) in open.enumerated() {
            guard let template = try await services.catalog.find(db, id: templates[(i + 2) % templates.count]) else { continue }
            let draft = ProposalDraft(
                reviewerID: reviewers[i % reviewers.count], terms: "Net 30", validUntil: nil,
                proposedStart: today.adding(days: starts[i]), discountPercent: 0,
                lines: [ProposalLineInput(typicalProjectId: template.id, description: nil,
                                          quantity: template.pricing.model == "hourly" ? 200 : 1,
                                          unit: template.pricing.model == "hourly" ? .hour : .fixed,
                                          unitPrice: template.pricing.amount, discountPercent: 0)])
            var proposal = try await services.proposals.create(db, opportunityID: opportunityID, draft: draft, by: admin, today: today)
            try await Handoff.addReviewerToTeam(db, opportunityID: opportunityID, reviewerID: reviewers[i % reviewers.count])
            var status = ProposalStatus.draft
            for action in [ProposalAction.submit, .approve, .send, .accept] {
                status = try ProposalWorkflow.apply(action, to: status, actor: ProposalActor(isAuthorSide: true, isReviewer: true),
                                                    hasReviewer: true, validUntil: nil, today: today,
                                                    acceptedOn: min(today, today.adding(days: starts[i] - 14)))
                proposal = try await services.proposals.move(db, proposal, action: action, to: status, comment: nil,
                                                             acceptedOn: min(today, today.adding(days: starts[i] - 14)), by: admin, today: today)
            }
            let (_, project) = try await Handoff(services: services).accept(
                db, proposal, acceptedOn: min(today, today.adding(days: starts[i] - 14)), by: admin)
            try await progress(db, project: project, index: i, by: reviewers[i % reviewers.count])
        }
    }

    /// Completes phases as of today (some on time, some late), sets a status, and staffs the work.
    private func progress(_ db: Connection, project: ProjectRecord, index: Int, by manager: Int64) async throws {
        let consultants = ["ivy.chen", "jon.alvarez", "kara.novak", "liam.obrien", "maya.singh", "noah.fischer", "omar.haddad"]
            .compactMap { people[$0] }
        // Everyone works for two clients at once: consultant k staffs projects k and k+1.
        for (k, person) in consultants.enumerated() where k % 5 == index || (k + 1) % 5 == index {
            let end = project.phases.last?.due ?? project.start.adding(days: 30)
            let site = try await db.query("""
                SELECT concat_ws(', ', street, city, region) AS site FROM accounts WHERE id = \(project.accountId)
                """).first?.decode("site", as: String?.self) ?? nil
            let hours: Decimal = person == people["ivy.chen"] ? 30 : 16
            let fields = AssignmentFields(userID: person, role: "consultant", start: project.start, end: end.adding(days: -1),
                                          hoursPerWeek: hours, location: k % 3 == 0 ? "Remote" : site, status: "confirmed")
            let existing = try await services.delivery.bookings(db, userID: person)
            let capacity = try await services.delivery.capacity(db, userID: person) ?? 40
            let over = !Overbooking.overbookedWeeks(capacity: capacity, existing: existing, adding: fields.booking).isEmpty
            _ = try await services.delivery.createAssignment(db, projectID: project.id, fields, overbooked: over, by: manager)
        }
        for phase in project.phases where phase.due < today {
            // Every third phase finished three days late; the rest on the day before they were due.
            let late = (phase.id + Int64(index)) % 3 == 0
            let finished = min(today, late ? phase.due.adding(days: 3) : phase.due.adding(days: -1))
            if index == 1 && phase.id == project.phases.last?.id { continue }  // left undone: late, in plain sight
            let isLast = phase.id == project.phases.last?.id
            if isLast {
                for item in project.checklist where item.required {
                    _ = try await services.delivery.setChecked(db, projectID: project.id, itemID: item.id, checked: true, by: manager)
                }
            }
            try await services.delivery.completePhase(db, projectID: project.id, phaseID: phase.id, on: finished,
                                                      projectCompletes: isLast, by: manager)
        }
        if index == 3 { try await db.query("UPDATE projects SET status = 'on_hold' WHERE id = \(project.id)") }
        if index == 2 {
            _ = try await services.delivery.createStatusLink(db, projectID: project.id, expiresOn: today.adding(days: 90), by: manager)
        }
    }
}
