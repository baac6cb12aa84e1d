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

/// How a move changes the recurring book (`agreement_movements.kind`, sql/0037).
enum BookMovement: String, Sendable {
    /// The account's first live agreement; recurring lines added beside a live one.
    case new, expansion
    /// Revenue that left: a cancellation, a lost renewal, a downgrade.
    case churn
    /// A won renewal: the next term, at the MRR it renews at.
    case renewal
}

/// Everything that writes an agreement, whoever asks (the handoff, the API, the pages,
/// the renewal job): each checks who may and the move, then writes through the store
/// and the audit trail inside the caller's transaction.
struct AgreementActions {
    let services: AppServices
    var store: AgreementStore { AgreementStore() }

    /// The accepted proposal's recurring lines as an agreement with its account, inside
    /// the acceptance's transaction (`Handoff.accept`); nil when no line recurs. It starts
    /// on the proposal's start, or the acceptance day. A proposal on an agreement's renewal
    /// deal replaces that agreement: the new one is its next term. Otherwise, on an account
    /// that already has a live agreement it is an expansion of the book, else new business.
    func handOff(_ db: Connection, _ proposal: ProposalRecord, name: String, acceptedOn: CalendarDate, by actorID: Int64) async throws
        -> AgreementRecord?
    {
        let lines = proposal.lines.filter { $0.recurrence != nil }
        guard let term = AgreementRules.term(of: lines.map(\.input)) else { return nil }
        let replaced = try await store.renewed(db, byOpportunity: proposal.opportunityId).flatMap { $0.status.isLive ? $0 : nil }
        let kind: BookMovement = replaced != nil ? .renewal : try await store.hasLive(db, accountID: proposal.accountId) ? .expansion : .new
        let agreement = try await store.create(
            db, accountID: proposal.accountId, proposalID: proposal.id, opportunityID: proposal.opportunityId, renews: replaced?.id,
            name: name, start: replaced.map { $0.endOn.adding(days: 1) } ?? proposal.proposedStart ?? acceptedOn, term: term,
            discountPercent: proposal.discountPercent.value, lines: lines.map { (proposalLineID: $0.id, line: $0.input) },
            action: kind.rawValue, by: actorID)
        if let replaced {
            return try await succeed(db, replaced, by: agreement, by: actorID)
        }
        try await store.recordMovement(db, agreement, kind: kind, on: agreement.startOn, mrrBefore: 0, mrrAfter: agreement.mrr.amount,
                                       opportunityID: proposal.opportunityId, reason: nil)
        return agreement
    }

    /// The renewal deal's outcome, applied to its agreement inside the deal's own
    /// transaction (`OpportunityActions.changeTelling`, so the API, the board and the
    /// pages all get it): won renews the agreement as it stands for another term (a new
    /// agreement continuing it, from the day after its end); lost ends it on its end
    /// date with the lost reason. A deal that renews no agreement changes nothing; a
    /// decided renewal is not reopened or decided again (its agreement has moved on).
    func renewalDecided(_ db: Connection, _ deal: OpportunityRecord, won: Bool, lost: Bool, by actorID: Int64?) async throws {
        guard let agreement = try await store.renewed(db, byOpportunity: deal.id) else { return }
        guard agreement.status.isLive else {
            throw APIError.conflict("The renewal of agreement \(agreement.id) was decided: the agreement is \(agreement.status.words).",
                                    code: "agreement-status")
        }
        if won {
            let next = try await store.create(
                db, accountID: agreement.accountId, proposalID: nil, opportunityID: deal.id, renews: agreement.id, name: agreement.name,
                start: agreement.endOn.adding(days: 1), term: agreement.term, discountPercent: agreement.discountPercent.value,
                lines: agreement.lines.map { (proposalLineID: nil, line: $0.input) }, action: BookMovement.renewal.rawValue, by: actorID)
            _ = try await succeed(db, agreement, by: next, by: actorID)
        } else if lost {
            let reason = deal.lostReason ?? "Renewal lost"
            _ = try await store.move(db, agreement, action: .end, to: try AgreementRules.apply(.end, to: agreement.status),
                                     on: agreement.endOn, reason: reason, by: actorID)
            try await store.recordMovement(db, agreement, kind: .churn, on: agreement.endOn.adding(days: 1), mrrBefore: agreement.mrr.amount,
                                           mrrAfter: 0, opportunityID: deal.id, reason: reason)
        }
    }

    /// `before` renewed by `next`, its next term: the renewal movement carries the MRR
    /// from one term to the other (an expansion or a downgrade when they differ).
    private func succeed(_ db: Connection, _ before: AgreementRecord, by next: AgreementRecord, by actorID: Int64?) async throws
        -> AgreementRecord
    {
        _ = try await store.move(db, before, action: .renew, to: try AgreementRules.apply(.renew, to: before.status),
                                 on: before.endOn, reason: nil, by: actorID)
        try await store.recordMovement(db, next, kind: .renewal, on: next.startOn, mrrBefore: before.mrr.amount, mrrAfter: next.mrr.amount,
                                       opportunityID: next.opportunityId, reason: nil)
        return next
    }

    /// Agreements from before Baton (`AgreementImport`), each checked row as one
    /// agreement of one monthly line at its MRR, on the book from its start (new, or an
    /// expansion beside a live agreement of its account), by an importer.
    func bringIn(_ db: Connection, caller: Caller, _ rows: [ImportedAgreement]) async throws -> [AgreementRecord] {
        guard ImportAccess.canImport(caller.roles) else { throw APIError.forbidden("Only admins, managers and account managers import files.") }
        var brought: [AgreementRecord] = []
        for row in rows {
            let term = Recurrence(period: .monthly, termMonths: row.termMonths, autoRenew: row.autoRenew, noticeDays: row.noticeDays)
            let line = ProposalLineInput(description: row.name, quantity: 1, unitPrice: row.mrr, discountPercent: 0, kind: .service,
                                         recurrence: term)
            let kind: BookMovement = try await store.hasLive(db, accountID: row.accountID) ? .expansion : .new
            let agreement = try await store.create(
                db, accountID: row.accountID, proposalID: nil, opportunityID: nil, renews: nil, name: row.name, start: row.start, end: row.end,
                term: term, discountPercent: 0, lines: [(proposalLineID: nil, line: line)], action: kind.rawValue, by: caller.id)
            try await store.recordMovement(db, agreement, kind: kind, on: agreement.startOn, mrrBefore: 0, mrrAfter: agreement.mrr.amount,
                                           opportunityID: nil, reason: nil)
            brought.append(agreement)
        }
        return brought
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
        let cancelled = try await store.move(db, before, action: .cancel, to: next, on: day, reason: input.reason?.trimmed, by: caller.id)
        try await store.recordMovement(db, before, kind: .churn, on: day, mrrBefore: before.mrr.amount, mrrAfter: 0,
                                       opportunityID: nil, reason: input.reason?.trimmed)
        return cancelled
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
