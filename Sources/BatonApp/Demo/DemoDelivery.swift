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
        let templates = try await DemoStore.templateIDs(db)
        let open = try await DemoStore.openDeals(db, inStages: ["needs_analysis", "qualification"], limit: 5)
        guard !templates.isEmpty, let adminID = people["admin"] else { return }
        let admin = try await UserStore.caller(db, id: adminID)
        let reviewers = ["felix.braun", "grace.kim", "hiro.tanaka"].compactMap { people[$0] }
        // Starts from two months ago to a month ahead: some work done, some late, some still to come.
        let starts = [-70, -45, -28, -10, 30]
        let actions = ProposalActions(services: services)
        for (i, opportunityID) in open.enumerated() {
            guard let template = try await services.catalog.find(db, id: templates[(i + 2) % templates.count]) else { continue }
            let hourly = template.pricing.model == "hourly"
            let input = ProposalInput(
                reviewerId: reviewers[i % reviewers.count], proposedStart: today.adding(days: starts[i]), terms: "Net 30",
                discountPercent: DecimalString(0),
                lines: [.init(typicalProjectId: template.id, quantity: DecimalString(hourly ? 200 : 1), unit: hourly ? .hour : .fixed,
                              unitPrice: Money(template.pricing.amount), discountPercent: DecimalString(0))])
            var proposal = try await actions.create(db, caller: admin, opportunityID: opportunityID, input: input,
                                                    keys: Set(ProposalInput.Field.allCases.map(\.stringValue)))
            // Accepted two weeks before the work starts, or today when that is still to come.
            let accepted = ProposalMoveInput(acceptedOn: min(today, today.adding(days: starts[i] - 14)))
            var handoff: (OpportunityRecord, ProjectRecord)?
            for action in [ProposalAction.submit, .approve, .send, .accept] {
                (proposal, handoff) = try await actions.perform(db, caller: admin, id: proposal.id, action: action, input: accepted)
            }
            guard let (_, project) = handoff else { continue }
            try await progress(db, project: project, index: i, by: reviewers[i % reviewers.count])
        }
    }

    /// Completes phases as of today (some on time, some late), sets a status, and staffs
    /// the work: as the project's manager, through the actions a person's changes take.
    private func progress(_ db: Connection, project: ProjectRecord, index: Int, by manager: Int64) async throws {
        let actions = DeliveryActions(services: services)
        let pm = try await UserStore.caller(db, id: manager)
        let consultants = ["ivy.chen", "jon.alvarez", "kara.novak", "liam.obrien", "maya.singh", "noah.fischer", "omar.haddad"]
            .compactMap { people[$0] }
        let site = try await services.projects.client(db, accountID: project.accountId)?.site
        // Everyone works for two clients at once: consultant k staffs projects k and k+1; one ends up past capacity.
        for (k, person) in consultants.enumerated() where k % 5 == index || (k + 1) % 5 == index {
            let end = project.phases.last?.due ?? project.start.adding(days: 30)
            var input = AssignmentInput()
            input.userId = person
            input.role = "consultant"
            input.start = project.start
            input.end = end.adding(days: -1)
            input.hoursPerWeek = DecimalString(person == people["ivy.chen"] ? 30 : 16)
            input.location = k % 3 == 0 ? "Remote" : site
            input.status = "confirmed"
            input.allowOverbook = true
            // For the first skill need of the project that the person can fill, so needs show their coverage.
            let skills = try await services.users.findAny(db, id: person)?.skills.map { $0.skill.lowercased() } ?? []
            if let need = project.skillNeeds.first(where: { skills.contains($0.skill.lowercased()) }) {
                input.phaseId = need.phaseId
                input.skill = need.skill
            }
            _ = try await actions.assign(db, caller: pm, projectID: project.id, input: input)
        }
        // One project paused by its manager, before its late phases are completed (completing them leaves it on hold).
        if index == 3 { _ = try await actions.hold(db, caller: pm, projectID: project.id) }
        for phase in project.phases where phase.due < today {
            // Every third phase finished three days late; the rest on the day before they were due.
            let late = (phase.id + Int64(index)) % 3 == 0
            let finished = min(today, late ? phase.due.adding(days: 3) : phase.due.adding(days: -1))
            if index == 1 && phase.id == project.phases.last?.id { continue }  // left undone: late, in plain sight
            if phase.id == project.phases.last?.id {
                for item in project.checklist where item.required {
                    _ = try await actions.setChecked(db, caller: pm, projectID: project.id, itemID: item.id, checked: true)
                }
            }
            _ = try await actions.completePhase(db, caller: pm, projectID: project.id, phaseID: phase.id, completedOn: finished)
        }
        if index == 2 {
            _ = try await actions.createStatusLink(db, caller: pm, projectID: project.id, expiresOn: today.adding(days: 90))
        }
    }
}
