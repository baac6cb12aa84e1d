import BatonCore
import Dates
import Foundation
import Postgres

/// An agreement as the API shows it: the recurring lines an account bought, for a term.
struct AgreementRecord: Encodable, Sendable, KeepsEveryKey, Versioned {
    struct Line: Codable, Sendable {
        var id: Int64
        var description: String
        var kind: LineKind
        var quantity, discountPercent: DecimalString
        var unitPrice: Money
        var recurrence: Recurrence

        var input: ProposalLineInput {
            ProposalLineInput(description: description, quantity: quantity.value, unitPrice: unitPrice.amount,
                              discountPercent: discountPercent.value, kind: kind, recurrence: recurrence)
        }
    }

    var id: Int64
    var version: Int
    var accountId: Int64
    /// Where it came from (the accepted proposal and its won opportunity), the term it
    /// continues, and the renewal opportunity of this term once the job opened it.
    var proposalId, opportunityId, renewsAgreementId, renewalOpportunityId: Int64?
    var name: String
    var status: AgreementStatus
    var startOn, endOn: CalendarDate
    var termMonths, noticeDays: Int
    var autoRenew: Bool
    var discountPercent: DecimalString
    /// Monthly and annual recurring revenue (`AgreementRules.mrr`, `.arr`).
    var mrr, arr: Money
    /// The day and reason it was cancelled or ended; null while it runs.
    var closedOn: CalendarDate?
    var closeReason: String?
    var lines: [Line]
    var createdAt, updatedAt: Timestamp

    /// The term it runs for, as a next term repeats it (billed as its first line is).
    var term: Recurrence {
        Recurrence(period: lines.first?.recurrence.period ?? .monthly, termMonths: termMonths, autoRenew: autoRenew, noticeDays: noticeDays)
    }
}

/// What to show of agreements: an account's, or those in a status.
struct AgreementFilter: Sendable {
    var accountID: Int64?
    var status: AgreementStatus?
}

/// Agreements, their lines and their moves: all of the area's SQL.
struct AgreementStore: Sendable {
    static let columns: Query = """
        a.id, a.version, a.account_id, a.proposal_id, a.opportunity_id, a.renews_agreement_id, a.renewal_opportunity_id,
        a.name, a.status, a.start_on, a.end_on, a.term_months, a.notice_days, a.auto_renew, a.discount_percent, a.mrr,
        a.closed_on, a.close_reason, a.created_at, a.updated_at,
        coalesce((SELECT json_agg(json_build_object(
                    'id', l.id, 'description', l.description, 'kind', l.kind, 'quantity', trim_scale(l.quantity)::text,
                    'discountPercent', trim_scale(l.discount_percent)::text, 'unitPrice', l.unit_price::text,
                    'recurrence', json_build_object('period', l.billing_period, 'termMonths', l.term_months,
                                                    'autoRenew', l.auto_renew, 'noticeDays', l.notice_days))
                    ORDER BY l.position)
                  FROM agreement_lines l WHERE l.agreement_id = a.id), '[]')::text AS lines
        """

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool = false) async throws -> AgreementRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF a" : ""
        return try await db.query("""
            SELECT \(Self.columns) FROM agreements a WHERE a.id = \(id) AND \(Scope.account(caller, column: "a.account_id"))\(lock)
            """).first.map(Self.record)
    }

    func findAny(_ db: Connection, id: Int64) async throws -> AgreementRecord {
        try Self.record(try await db.expectRow("SELECT \(Self.columns) FROM agreements a WHERE a.id = \(id)"))
    }

    /// A page of what the caller sees, newest start first.
    func list(_ db: Connection, caller: Caller, filter: AgreementFilter, page: PageRequest) async throws -> Page<AgreementRecord> {
        var conditions: [Query] = [Scope.accountOf(caller, column: "a.account_id")]
        if let account = filter.accountID { conditions.append("a.account_id = \(account)") }
        if let status = filter.status { conditions.append("a.status = \(status.rawValue)") }
        if let c = page.cursor, c.count == 2, let start = CalendarDate(c[0]), let id = Int64(c[1]) {
            conditions.append("(a.start_on, a.id) < (\(start), \(id))")
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM agreements a WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY a.start_on DESC, a.id DESC LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(Self.record), limit: page.limit) { [$0.startOn.description, String($0.id)] }
    }

    /// A new agreement with its lines and its first event, audited. Its end is the
    /// term's (`AgreementRules.endDate`) unless given (an imported contract's own).
    func create(
        _ db: Connection, accountID: Int64, proposalID: Int64?, opportunityID: Int64?, renews: Int64?, name: String,
        start: CalendarDate, end: CalendarDate? = nil, term: Recurrence, discountPercent: Decimal, lines: [(proposalLineID: Int64?, line: ProposalLineInput)],
        action: String, by actorID: Int64?
    ) async throws -> AgreementRecord {
        let mrr = AgreementRules.mrr(lines: lines.map(\.line), discountPercent: discountPercent)
        let id: Int64 = try await db.expectRow("""
            INSERT INTO agreements (account_id, proposal_id, opportunity_id, renews_agreement_id, name, start_on, end_on,
                                    term_months, auto_renew, notice_days, discount_percent, mrr)
            VALUES (\(accountID), \(proposalID), \(opportunityID), \(renews), \(name), \(start),
                    \(end ?? AgreementRules.endDate(start: start, termMonths: term.termMonths)), \(term.termMonths), \(term.autoRenew),
                    \(term.noticeDays), \(discountPercent), \(mrr))
            RETURNING id
            """).decode("id")
        for (i, item) in lines.enumerated() {
            guard let r = item.line.recurrence else { continue }
            try await db.query("""
                INSERT INTO agreement_lines (agreement_id, position, proposal_line_id, description, kind, quantity, unit_price,
                                             discount_percent, billing_period, term_months, auto_renew, notice_days)
                VALUES (\(id), \(i + 1), \(item.proposalLineID), \(item.line.description ?? name), \(item.line.kind.rawValue),
                        \(item.line.quantity), \(item.line.unitPrice), \(item.line.discountPercent), \(r.period.rawValue),
                        \(r.termMonths), \(r.autoRenew), \(r.noticeDays))
                """)
        }
        try await event(db, id: id, action: action, from: nil, to: .active, mrrBefore: 0, mrrAfter: mrr, on: start, by: actorID, comment: nil)
        let created = try await findAny(db, id: id)
        try await AuditTrail.record(db, actorID: actorID, entity: "agreement", entityID: id, action: .create, before: nil, after: .of(created))
        return created
    }

    /// Moves an agreement to `status`; a cancelled or ended one keeps its day and reason,
    /// and its MRR leaves the book on that day (the event's `mrr_after` is 0).
    func move(
        _ db: Connection, _ before: AgreementRecord, action: AgreementMove, to status: AgreementStatus, on day: CalendarDate,
        reason: String?, by actorID: Int64?
    ) async throws -> AgreementRecord {
        let closes = status == .cancelled || status == .ended
        try await db.query("""
            UPDATE agreements SET status = \(status.rawValue), closed_on = \(closes ? day : nil), close_reason = \(closes ? reason : nil),
                version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        try await event(db, id: before.id, action: action.rawValue, from: before.status, to: status, mrrBefore: before.mrr.amount,
                        mrrAfter: status.isLive ? before.mrr.amount : 0, on: day, by: actorID, comment: reason)
        let after = try await findAny(db, id: before.id)
        try await AuditTrail.record(db, actorID: actorID, entity: "agreement", entityID: before.id, action: .update,
                                    before: .of(before), after: .of(after))
        return after
    }

    /// The agreement at its reduced lines and MRR (`Downgrade`): lines kept take their new
    /// quantity and price, lines left out are taken off; its status stays, and the
    /// `downgrade` event says the MRR before and after, from `day`, with the reason.
    func reduce(
        _ db: Connection, _ before: AgreementRecord, to lines: [(id: Int64, line: ProposalLineInput)], mrr: Decimal, on day: CalendarDate,
        reason: String, by actorID: Int64
    ) async throws -> AgreementRecord {
        try await db.query("DELETE FROM agreement_lines WHERE agreement_id = \(before.id) AND NOT (id = ANY(\(lines.map(\.id))::bigint[]))")
        for (id, line) in lines {
            try await db.query("""
                UPDATE agreement_lines SET quantity = \(line.quantity), unit_price = \(line.unitPrice)
                WHERE id = \(id) AND agreement_id = \(before.id)
                """)
        }
        try await db.query("UPDATE agreements SET mrr = \(mrr), version = version + 1, updated_at = now() WHERE id = \(before.id)")
        try await event(db, id: before.id, action: AgreementMove.downgrade.rawValue, from: before.status, to: before.status,
                        mrrBefore: before.mrr.amount, mrrAfter: mrr, on: day, by: actorID, comment: reason)
        let after = try await findAny(db, id: before.id)
        try await AuditTrail.record(db, actorID: actorID, entity: "agreement", entityID: before.id, action: .update,
                                    before: .of(before), after: .of(after))
        return after
    }

    /// The active agreements whose renewal should be open by `opensBy` (their end within
    /// the lead) and is not yet, each locked for this caller alone: another server's
    /// round skips the ones this one holds, so each agreement has one winner. With the
    /// owner the renewal goes to: the account's, else the won deal's.
    func renewalsDue(_ db: Connection, endingBy last: CalendarDate) async throws -> [(id: Int64, ownerID: Int64)] {
        try await db.query("""
            SELECT a.id, coalesce(c.owner_id, o.owner_id) AS owner_id
            FROM agreements a JOIN accounts c ON c.id = a.account_id LEFT JOIN opportunities o ON o.id = a.opportunity_id
            WHERE a.status = 'active' AND a.renewal_opportunity_id IS NULL AND a.end_on <= \(last)
              AND coalesce(c.owner_id, o.owner_id) IS NOT NULL
            ORDER BY a.id FOR UPDATE OF a SKIP LOCKED
            """).map { (id: try $0.decode("id"), ownerID: try $0.decode("owner_id")) }
    }

    /// The renewal-due agreements whose term ended before `today` with their renewal deal
    /// still open (neither won nor lost), each locked with its deal for this round alone:
    /// a concurrent round, or a person moving the deal, skips or waits, so each is settled
    /// once (a settled one is no longer renewal due).
    func lapsed(_ db: Connection, endedBefore today: CalendarDate) async throws -> [(agreementID: Int64, dealID: Int64)] {
        try await db.query("""
            SELECT a.id, o.id AS deal_id
            FROM agreements a JOIN opportunities o ON o.id = a.renewal_opportunity_id JOIN pipeline_stages s ON s.key = o.stage_key
            WHERE a.status = 'renewal_due' AND a.end_on < \(today) AND NOT s.is_won AND NOT s.is_lost
            ORDER BY a.id FOR UPDATE OF a, o SKIP LOCKED
            """).map { (agreementID: try $0.decode("id"), dealID: try $0.decode("deal_id")) }
    }

    /// Whether this transaction runs the renewal round: false while another server's
    /// round holds it (the lock ends with the transaction).
    func winsRenewalRound(_ db: Connection) async throws -> Bool {
        try await db.query("SELECT pg_try_advisory_xact_lock(\(Self.renewalRoundLock)) AS won").first?.decode("won") ?? false
    }

    /// The advisory lock key of the renewal round ("r23" in ASCII).
    static let renewalRoundLock: Int64 = 0x72_32_33

    /// This term's renewal opportunity: set once (the column is unique, and only an
    /// agreement without one is updated).
    func linkRenewal(_ db: Connection, id: Int64, opportunityID: Int64) async throws {
        try await db.query("""
            UPDATE agreements SET renewal_opportunity_id = \(opportunityID) WHERE id = \(id) AND renewal_opportunity_id IS NULL
            """)
    }

    /// One movement of the recurring book (`agreement_movements`): the agreement's MRR
    /// before and after, from `day`, credited to the account's owner of the moment.
    func recordMovement(
        _ db: Connection, _ agreement: AgreementRecord, kind: BookMovement, on day: CalendarDate, mrrBefore: Decimal, mrrAfter: Decimal,
        opportunityID: Int64?, reason: String?
    ) async throws {
        // A move that changes no MRR (an agreement of free lines) is no new, expansion or churn.
        guard kind == .renewal || mrrAfter != mrrBefore else { return }
        try await db.query("""
            INSERT INTO agreement_movements (agreement_id, account_id, owner_id, opportunity_id, kind, on_day, mrr_before, mrr_after, reason)
            SELECT \(agreement.id), c.id, c.owner_id, \(opportunityID), \(kind.rawValue), \(day), \(mrrBefore), \(mrrAfter), \(reason)
            FROM accounts c WHERE c.id = \(agreement.accountId)
            """)
    }

    /// The day of the agreement's latest movement in the book (its start, an expansion,
    /// an earlier downgrade), or nil before any.
    func lastMovementDay(_ db: Connection, agreementID: Int64) async throws -> CalendarDate? {
        try await db.query("SELECT max(on_day) AS day FROM agreement_movements WHERE agreement_id = \(agreementID)")
            .first?.decode("day", as: CalendarDate?.self) ?? nil
    }

    /// The agreement whose renewal this deal is, locked for the deal's transaction.
    func renewed(_ db: Connection, byOpportunity opportunityID: Int64) async throws -> AgreementRecord? {
        try await db.query("""
            SELECT \(Self.columns) FROM agreements a WHERE a.renewal_opportunity_id = \(opportunityID) FOR UPDATE OF a
            """).first.map(Self.record)
    }

    /// Accounts with an owner and no agreement yet, oldest first: where the demo firm's
    /// book goes.
    func ownedAccountsWithoutAgreements(_ db: Connection, limit: Int) async throws -> [Int64] {
        try await db.query("""
            SELECT c.id FROM accounts c
            WHERE c.owner_id IS NOT NULL AND c.archived_at IS NULL AND NOT EXISTS (SELECT 1 FROM agreements a WHERE a.account_id = c.id)
            ORDER BY c.id LIMIT \(limit)
            """).map { try $0.decode("id") }
    }

    /// Whether the account has an agreement starting on `start`: an import brings it once.
    func exists(_ db: Connection, accountID: Int64, start: CalendarDate) async throws -> Bool {
        try await db.expectRow("""
            SELECT EXISTS (SELECT 1 FROM agreements WHERE account_id = \(accountID) AND start_on = \(start)) AS found
            """).decode("found")
    }

    /// Whether the account has a live agreement: a new one beside it is an expansion.
    func hasLive(_ db: Connection, accountID: Int64) async throws -> Bool {
        try await db.expectRow("""
            SELECT EXISTS (SELECT 1 FROM agreements WHERE account_id = \(accountID) AND status IN ('active', 'renewal_due')) AS live
            """).decode("live")
    }

    private func event(
        _ db: Connection, id: Int64, action: String, from: AgreementStatus?, to: AgreementStatus, mrrBefore: Decimal, mrrAfter: Decimal,
        on day: CalendarDate, by actorID: Int64?, comment: String?
    ) async throws {
        try await db.query("""
            INSERT INTO agreement_events (agreement_id, action, from_status, to_status, mrr_before, mrr_after, on_day, actor_id, comment)
            VALUES (\(id), \(action), \(from?.rawValue), \(to.rawValue), \(mrrBefore), \(mrrAfter), \(day), \(actorID), \(comment))
            """)
    }

    static func record(_ row: Row) throws -> AgreementRecord {
        let mrr: Decimal = try row.decode("mrr")
        return AgreementRecord(
            id: try row.decode("id"), version: try row.decode("version"), accountId: try row.decode("account_id"),
            proposalId: try row.decode("proposal_id"), opportunityId: try row.decode("opportunity_id"),
            renewsAgreementId: try row.decode("renews_agreement_id"), renewalOpportunityId: try row.decode("renewal_opportunity_id"),
            name: try row.decode("name"), status: AgreementStatus(rawValue: try row.decode("status")) ?? .active,
            startOn: try row.decode("start_on"), endOn: try row.decode("end_on"), termMonths: try row.decode("term_months"),
            noticeDays: try row.decode("notice_days"), autoRenew: try row.decode("auto_renew"),
            discountPercent: DecimalString(try row.decode("discount_percent", as: Decimal.self)),
            mrr: Money(mrr), arr: Money(AgreementRules.arr(mrr: mrr)),
            closedOn: try row.decode("closed_on"), closeReason: try row.decode("close_reason"),
            lines: try row.decode("lines", as: JSONB<[AgreementRecord.Line]>.self).value,
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
