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

/// What a mid-term downgrade carries: the lines reduced, each by its id (fewer units, a
/// lower price a period, or 0 units to take it off), why, and the first day the lower MRR
/// counts (today when left out).
struct AgreementDowngradeInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case lines, reason, effectiveOn }
    struct Line: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case id, quantity, unitPrice }
        var id: Int64
        var quantity: DecimalString?
        var unitPrice: Money?
    }
    static var nested: [String: any StrictDecodable.Type] { ["lines": Line.self] }
    var lines: [Line]?
    var reason: String?
    var effectiveOn: CalendarDate?
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
        let before = try await writable(db, caller: caller, id: id, expected: expected)
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

    /// Reduces a live agreement mid-term (fewer lines or units, a lower price), with the
    /// reason: the MRR it loses is churn from the day it takes effect, and the agreement
    /// runs on, and renews, at the reduced lines. Whoever may cancel it may downgrade it.
    func downgrade(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: AgreementDowngradeInput) async throws
        -> AgreementRecord
    {
        let before = try await writable(db, caller: caller, id: id, expected: expected)
        guard before.status.isLive else {
            throw APIError.conflict("An agreement that is \(before.status.words) cannot be downgraded.", code: "agreement-status")
        }
        let day = input.effectiveOn ?? Timestamp.now.calendarDate
        let reason = input.reason?.trimmed.nilIfEmpty
        var v = Validator()
        v.check(reason != nil, "reason", "Say why the agreement is downgraded")
        v.check((reason?.count ?? 0) <= 500, "reason", "Reason must be at most 500 characters")
        v.check(day >= before.startOn && day <= before.endOn, "effectiveOn",
                "The downgrade must take effect within the term (\(before.startOn) to \(before.endOn))")
        // The book is read in order: a reduction dated before a change already on it would
        // start from an MRR the agreement did not have that day.
        if let last = try await store.lastMovementDay(db, agreementID: id), day < last {
            v.add("effectiveOn", "The downgrade must take effect on or after the agreement's last change (\(last))")
        }
        var reduced: (lines: [(id: Int64, line: ProposalLineInput)], mrr: Decimal)?
        do {
            let reductions = (input.lines ?? []).map { LineReduction(lineId: $0.id, quantity: $0.quantity?.value, unitPrice: $0.unitPrice?.amount) }
            reduced = try Downgrade.apply(reductions, to: before.lines.map { (id: $0.id, line: $0.input) },
                                          discountPercent: before.discountPercent.value, mrr: before.mrr.amount)
        } catch let refusal as AgreementRefusal {
            v.add("lines", refusal.message)
        }
        try v.throwIfInvalid()
        guard let reduced, let reason else { throw APIError.internalError }
        let after = try await store.reduce(db, before, to: reduced.lines, mrr: reduced.mrr, on: day, reason: reason, by: caller.id)
        try await store.recordMovement(db, before, kind: .churn, on: day, mrrBefore: before.mrr.amount, mrrAfter: reduced.mrr,
                                       opportunityID: nil, reason: reason)
        return after
    }

    /// The agreement `id` for a change by `caller`, locked for the transaction: one they
    /// see (404 otherwise: the account's owner, the managers above them, an admin), may
    /// write (403), at the version they read (412).
    private func writable(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> AgreementRecord {
        guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else { throw APIError.notFound("agreement") }
        try Scope.requireWriter(caller)
        try ETag.requireCurrent(expected, before.version)
        return before
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

extension AgreementActions {
    /// Why the round loses a renewal deal still open when a term that does not renew by itself ends.
    static let notRenewedReason = "Not renewed by the end of the term"

    /// The round's second half: each agreement whose term has ended while its renewal
    /// deal is still open is settled by its own terms, through the deal, as if a person
    /// had moved it (`renewalDecided`). Auto-renewing: the deal is won on the day after
    /// the end and the agreement renews for one term at its current lines (a renewal
    /// movement, and renewal bookings for the deal's team). Otherwise the contract has
    /// run out: the deal is lost ("Not renewed by the end of the term") and the
    /// agreement ends on its end date, churn from the day after; signing later is new
    /// business. Once each: only a renewal-due agreement with an open deal is taken,
    /// under row locks a concurrent round skips. Returns the agreements settled.
    func settleLapsed(_ db: Connection, today: CalendarDate) async throws -> [AgreementRecord] {
        let lapsed = try await store.lapsed(db, endedBefore: today)
        guard !lapsed.isEmpty else { return [] }
        let stages = try await services.stages.all(db)
        guard let won = stages.first(where: \.isWon), let lost = stages.first(where: \.isLost) else {
            throw APIError.conflict("The pipeline needs a won and a lost stage; an admin must add them.", code: "no-closed-stage")
        }
        var settled: [AgreementRecord] = []
        for (id, dealID) in lapsed {
            let agreement = try await store.findAny(db, id: id)
            let deal = try await services.opportunities.findAny(db, id: dealID)
            let renews = agreement.autoRenew
            let fields = OpportunityFields(
                accountID: deal.accountId, name: deal.name, kind: deal.kind, stage: renews ? won.stage : lost.stage, amount: deal.amount.amount,
                closeDate: deal.closeDate, ownerID: deal.ownerId, team: deal.team, probabilityOverride: nil, categoryOverride: nil,
                nextStep: deal.nextStep, source: deal.source, closedOn: agreement.endOn.adding(days: 1),
                lostReason: renews ? nil : Self.notRenewedReason, externalID: deal.externalId)
            let decided = try await services.opportunities.update(db, before: deal, to: fields, teamChanged: false, by: nil)
            try await renewalDecided(db, decided, won: renews, lost: !renews, by: nil)
            settled.append(try await store.findAny(db, id: id))
        }
        return settled
    }
}
