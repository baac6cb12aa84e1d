import BatonCore
import Dates
import Testing

private let today = CalendarDate("2026-03-28")!
private let admin = ProposalActor(isAdmin: true)
private let seller = ProposalActor(isAuthorSide: true)
private let reviewer = ProposalActor(isReviewer: true)
private let bystander = ProposalActor()

/// Where each legal (status, action) pair leads; every other pair is illegal.
private let legal: [ProposalStatus: [ProposalAction: ProposalStatus]] = [
    .draft: [.submit: .inReview],
    .inReview: [.approve: .approved, .return: .draft],
    .approved: [.send: .sent],
    .sent: [.accept: .accepted, .decline: .declined],
    .expired: [.accept: .accepted, .decline: .declined],
]

private let allPairs: [(ProposalStatus, ProposalAction)] = ProposalStatus.allCases.flatMap { s in
    ProposalAction.allCases.map { (s, $0) }
}

/// Applies with everything the data rules need in order, so only status and person decide.
private func apply(_ action: ProposalAction, to status: ProposalStatus, actor: ProposalActor = admin) throws(WorkflowRefusal) -> ProposalStatus {
    try ProposalWorkflow.apply(action, to: status, actor: actor, hasReviewer: true, validUntil: nil, today: today,
                               acceptedOn: today, comment: "Tighten the timeline")
}

@Suite struct ProposalWorkflowTests {
    @Test(arguments: allPairs)
    func everyStatusAndActionPairLeadsWhereTheTableSays(status: ProposalStatus, action: ProposalAction) {
        if let next = legal[status]?[action] {
            #expect((try? apply(action, to: status)) == next)
        } else {
            #expect(throws: WorkflowRefusal.illegal(current: status, action: action)) { try apply(action, to: status) }
        }
    }

    @Test(arguments: allPairs.filter { legal[$0.0]?[$0.1] != nil })
    func onlyTheRightPeopleMayActOnLegalPairs(status: ProposalStatus, action: ProposalAction) {
        let reviewOnly = action == .approve || action == .return
        let cases: [(ProposalActor, Bool)] = [
            (admin, true), (seller, !reviewOnly), (reviewer, reviewOnly), (bystander, false),
            (ProposalActor(isAuthorSide: true, isReviewer: true), true),
        ]
        for (actor, allowed) in cases {
            do {
                _ = try apply(action, to: status, actor: actor)
                #expect(allowed, "\(actor) should not \(action) a \(status) proposal")
            } catch {
                guard case .notAllowed(let message) = error else {
                    Issue.record("expected notAllowed, got \(error)")
                    continue
                }
                #expect(!allowed, "\(actor) should be able to \(action) a \(status) proposal")
                #expect(message.contains("admin"))
            }
        }
    }

    @Test func finalStatusesAcceptNoActionEvenFromAnAdmin() {
        for status in ProposalStatus.allCases where status.isFinal {
            #expect(ProposalWorkflow.availableActions(stored: status, actor: admin).isEmpty)
        }
        #expect(ProposalStatus.allCases.filter(\.isFinal) == [.accepted, .declined, .superseded])
    }

    @Test func theStatusIsJudgedBeforeThePerson() {
        #expect(throws: WorkflowRefusal.illegal(current: .draft, action: .approve)) { try apply(.approve, to: .draft, actor: bystander) }
    }

    @Test func illegalMessagesNameTheStatusAndWhereTheActionStarts() {
        #expect(WorkflowRefusal.illegal(current: .approved, action: .submit).message == "This proposal is approved; only a draft can be submitted")
        #expect(WorkflowRefusal.illegal(current: .inReview, action: .send).message == "This proposal is in review; only an approved proposal can be sent")
        #expect(WorkflowRefusal.illegal(current: .superseded, action: .accept).message.hasSuffix("Open the newest version instead"))
    }

    @Test func submittingNeedsAReviewer() {
        #expect(throws: WorkflowRefusal.invalid(field: "reviewerId", message: "Choose a reviewer (a project manager) before submitting")) {
            try ProposalWorkflow.apply(.submit, to: .draft, actor: seller, hasReviewer: false, validUntil: nil, today: today, acceptedOn: nil)
        }
    }

    @Test(arguments: [nil, "", "   \n"])
    func sendingBackNeedsAComment(comment: String?) {
        do {
            _ = try ProposalWorkflow.apply(.return, to: .inReview, actor: reviewer, hasReviewer: true, validUntil: nil,
                                           today: today, acceptedOn: nil, comment: comment)
            Issue.record("a return without a comment went through")
        } catch {
            guard case .invalid(let field, _) = error else { Issue.record("expected invalid, got \(error)"); return }
            #expect(field == "comment")
        }
    }

    @Test func acceptanceCannotBeDatedInTheFuture() {
        do {
            _ = try ProposalWorkflow.apply(.accept, to: .sent, actor: seller, hasReviewer: true, validUntil: nil,
                                           today: today, acceptedOn: today.adding(days: 1))
            Issue.record("a future acceptance went through")
        } catch {
            guard case .invalid(let field, let message) = error else { Issue.record("expected invalid, got \(error)"); return }
            #expect(field == "acceptedOn")
            #expect(message.contains("2026-03-29"))
        }
    }

    @Test func acceptanceMustBeOnOrBeforeValidUntil() throws {
        let validUntil = CalendarDate("2026-03-31")!
        let later = CalendarDate("2026-04-10")!
        // On the last valid day, entered that day.
        #expect(try ProposalWorkflow.apply(.accept, to: .sent, actor: seller, hasReviewer: true, validUntil: validUntil,
                                           today: validUntil, acceptedOn: validUntil) == .accepted)
        // Entered later, dated on the day the client signed: the date of record decides.
        #expect(ProposalWorkflow.effectiveStatus(stored: .sent, validUntil: validUntil, today: later) == .expired)
        #expect(try ProposalWorkflow.apply(.accept, to: .sent, actor: seller, hasReviewer: true, validUntil: validUntil,
                                           today: later, acceptedOn: today) == .accepted)
        // Dated after the offer ran out.
        do {
            _ = try ProposalWorkflow.apply(.accept, to: .sent, actor: seller, hasReviewer: true, validUntil: validUntil,
                                           today: later, acceptedOn: nil)
            Issue.record("a late acceptance went through")
        } catch {
            guard case .invalid(let field, let message) = error else { Issue.record("expected invalid, got \(error)"); return }
            #expect(field == "acceptedOn")
            #expect(message.contains("was valid until 2026-03-31"))
        }
    }

    @Test func anExpiredProposalCanBeDeclinedButNotSent() throws {
        let validUntil = CalendarDate("2026-03-01")!
        #expect(try ProposalWorkflow.apply(.decline, to: .sent, actor: seller, hasReviewer: true, validUntil: validUntil,
                                           today: today, acceptedOn: nil) == .declined)
        #expect(throws: WorkflowRefusal.illegal(current: .expired, action: .send)) {
            try ProposalWorkflow.apply(.send, to: .sent, actor: seller, hasReviewer: true, validUntil: validUntil,
                                       today: today, acceptedOn: nil)
        }
    }

    @Test func onlyASentProposalPastItsDateExpires() {
        let validUntil = CalendarDate("2026-03-31")!
        for status in ProposalStatus.allCases {
            let seen = ProposalWorkflow.effectiveStatus(stored: status, validUntil: validUntil, today: validUntil.adding(days: 1))
            #expect(seen == (status == .sent ? .expired : status))
            #expect(ProposalWorkflow.effectiveStatus(stored: status, validUntil: validUntil, today: validUntil) == status)
            #expect(ProposalWorkflow.effectiveStatus(stored: status, validUntil: nil, today: validUntil.adding(days: 999)) == status)
        }
    }

    @Test func availableActionsShowWhatThePersonCanDoNow() {
        #expect(ProposalWorkflow.availableActions(stored: .draft, actor: seller) == [.submit])
        #expect(ProposalWorkflow.availableActions(stored: .draft, actor: reviewer) == [])
        #expect(ProposalWorkflow.availableActions(stored: .inReview, actor: reviewer) == [.approve, .return])
        #expect(ProposalWorkflow.availableActions(stored: .inReview, actor: seller) == [])
        #expect(ProposalWorkflow.availableActions(stored: .approved, actor: seller) == [.send])
        #expect(ProposalWorkflow.availableActions(stored: .sent, actor: admin) == [.accept, .decline])
    }
}
