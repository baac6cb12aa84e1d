import BatonCore
import Dates
import Foundation
import Postgres

/// What cancelling an agreement carries: why, and from which day (today when left out).
struct AgreementCancelInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case reason, cancelledOn }
    var reason: String?
    var cancelledOn: CalendarDate?
}

/// Everything that writes an agreement, whoever asks (the handoff, the API, the pages,
/// the renewal job): each checks who may and the move, then writes through the store
/// and the audit trail inside the caller's transaction.
struct AgreementActions {
    let services: AppServices
    var store: AgreementStore { AgreementStore() }

    /// The accepted proposal's recurring lines as an agreement with its account, inside
    /// the acceptance's transaction (`Handoff.accept`); nil when no line recurs. It starts
    /// on the proposal's start, or the acceptance day. On an account that already has a
    /// live agreement it is an expansion of the book, and its first event says so.
    func handOff(_ db: Connection, _ proposal: ProposalRecord, name: String, acceptedOn: CalendarDate, by actorID: Int64) async throws
        -> AgreementRecord?
    {
        let lines = proposal.lines.filter { $0.recurrence != nil }
        guard let term = AgreementRules.term(of: lines.map(\.input)) else { return nil }
        let expands: Bool = try await db.expectRow("""
            SELECT EXISTS (SELECT 1 FROM agreements WHERE account_id = \(proposal.accountId)
                                                      AND status IN ('active', 'renewal_due')) AS expands
            """).decode("expands")
        let agreement = try await store.create(
            db, accountID: proposal.accountId, proposalID: proposal.id, opportunityID: proposal.opportunityId, renews: nil, name: name,
            start: proposal.proposedStart ?? acceptedOn, term: term, discountPercent: proposal.discountPercent.value,
            lines: lines.map { (proposalLineID: $0.id, line: $0.input) }, action: expands ? "expansion" : "new", by: actorID)
        return agreement
    }

    /// Stops an agreement before its end, with the reason: churn from that day.
    func cancel(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: AgreementCancelInput) async throws -> AgreementRecord {
        guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else { throw APIError.notFound("agreement") }
        try Scope.requireWriter(caller)
        try ETag.requireCurrent(expected, before.version)
        // A finished agreement is refused as such (409) before what was sent is judged.
        let next: AgreementStatus
        do {
            next = try AgreementRules.apply(.cancel, to: before.status, reason: input.reason)
        } catch let refusal as AgreementRefusal {
            throw before.status.isLive ? APIError.validation([FieldError("reason", refusal.message)])
                                       : APIError.conflict(refusal.message, code: "agreement-status")
        }
        let day = input.cancelledOn ?? Timestamp.now.calendarDate
        var v = Validator()
        v.check((input.reason?.count ?? 0) <= 500, "reason", "Reason must be at most 500 characters")
        v.check(day >= before.startOn && day <= before.endOn, "cancelledOn",
                "The cancellation day must be within the term (\(before.startOn) to \(before.endOn))")
        try v.throwIfInvalid()
        return try await store.move(db, before, action: .cancel, to: next, on: day, reason: input.reason?.trimmed, by: caller.id)
    }

    /// The renewal job's round (`RenewalSchedule`): for each active agreement ending
    /// within `leadDays`, a renewal opportunity owned by the account's owner, of kind
    /// `renewal`, worth the agreement's ARR, closing on its end, linked to it; the
    /// agreement moves to `renewal_due`. Exactly once per term: only an active agreement
    /// without a renewal is taken, under a row lock that a concurrent round skips.
    func openRenewals(_ db: Connection, today: CalendarDate, leadDays: Int = AgreementRules.defaultRenewalLeadDays) async throws
        -> [AgreementRecord]
    {
        let due = try await store.renewalsDue(db, endingBy: today.adding(days: leadDays))
        guard !due.isEmpty else { return [] }
        guard let first = try await services.stages.all(db).first(where: { !$0.isWon && !$0.isLost }) else {
            throw APIError.conflict("The pipeline has no open stage; an admin must add one.", code: "no-open-stage")
        }
        var opened: [AgreementRecord] = []
        for (id, owner) in due {
            let before = try await store.findAny(db, id: id)
            let renewal = try await services.opportunities.create(db, OpportunityFields(
                accountID: before.accountId, name: "Renewal: \(before.name)", kind: .renewal, stage: first.stage,
                amount: before.arr.amount, closeDate: before.endOn, ownerID: owner,
                team: [TeamMember(userId: owner, role: .owner, splitPercent: 100)], probabilityOverride: nil, categoryOverride: nil,
                nextStep: nil, source: "agreement \(id)", closedOn: nil, lostReason: nil, externalID: nil), by: nil)
            try await store.linkRenewal(db, id: id, opportunityID: renewal.id)
            let next = try AgreementRules.apply(.renewalOpened, to: before.status)
            opened.append(try await store.move(db, before, action: .renewalOpened, to: next, on: today, reason: nil, by: nil))
        }
        return opened
    }
}
