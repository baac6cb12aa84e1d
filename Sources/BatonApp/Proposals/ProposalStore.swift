import BatonCore
import Dates
import Foundation
import Postgres

/// A proposal as the API shows it: a numbered version of an opportunity's offer.
struct ProposalRecord: Encodable, Sendable, KeepsEveryKey, Versioned {
    struct Line: Codable, Sendable {
        var id: Int64
        var typicalProjectId: Int64?
        var typicalProjectName, description: String?
        var quantity: DecimalString
        var unit: LineUnit
        var unitPrice: Money
        var discountPercent: DecimalString
        var lineTotal: Money
        /// `service` or `pass_through`: only services become the project's phases (LineKind).
        var kind: LineKind
        /// Billed every period for a term (the unit price is per period); nil when sold once.
        var recurrence: Recurrence?

        /// How many times the line's typical project is delivered: its quantity for a
        /// fixed-fee line; once for a line billed by the hour or day, whose quantity
        /// counts billing units, not projects.
        var deliveries: Decimal { unit == .fixed ? quantity.value : 1 }

        /// The line as it was given, for totalling it again.
        var input: ProposalLineInput {
            ProposalLineInput(typicalProjectId: typicalProjectId, description: description, quantity: quantity.value, unit: unit,
                              unitPrice: unitPrice.amount, discountPercent: discountPercent.value, kind: kind,
                              recurrence: recurrence)
        }
    }

    struct Event: Codable, Sendable {
        var action: String
        var fromStatus: String?
        var toStatus: String
        var actorId: Int64?
        var comment: String?
        var at: Timestamp
    }

    var id: Int64
    var version: Int
    var opportunityId, accountId: Int64
    var number: Int
    var status: ProposalStatus
    var authorId: Int64
    var reviewerId: Int64?
    var terms: String?
    var validUntil, proposedStart: CalendarDate?
    var discountPercent: DecimalString
    var subtotal, discount, total: Money
    /// What accepting it would make the project's contract value, and its budget items
    /// (`ProposalMath.split` of the lines as stored).
    var serviceValue, passThroughValue: Money
    /// What recurs per month, and the whole contract: once + every recurring bill (`RecurringMath`).
    var recurringPerMonth, contractValue: Money
    var acceptedOn, declinedOn: CalendarDate?
    var lines: [Line]
    var events: [Event]
    var projectId: Int64?
    var createdAt, updatedAt: Timestamp
    /// The status as stored, before a sent proposal's expiry is judged; not in the API.
    var storedStatus: ProposalStatus

    enum CodingKeys: String, CodingKey {
        case id, version, opportunityId, accountId, number, status, authorId, reviewerId, terms, validUntil, proposedStart,
            discountPercent, subtotal, discount, total, serviceValue, passThroughValue, recurringPerMonth, contractValue, acceptedOn, declinedOn, lines, events,
            projectId, createdAt, updatedAt
    }
}

/// A proposal's editable parts, checked and totalled.
struct ProposalDraft: Sendable {
    var reviewerID: Int64?
    var terms: String?
    var validUntil: CalendarDate?
    var proposedStart: CalendarDate?
    var discountPercent: Decimal
    var lines: [ProposalLineInput]

    var totals: ProposalTotals { ProposalMath.totals(lines: lines, discountPercent: discountPercent) }

    func check(into v: inout Validator) {
        ProposalMath.check(lines: lines, discountPercent: discountPercent, into: &v)
        v.check((terms?.count ?? 0) <= 10_000, "terms", "Terms must be at most 10,000 characters")
        // Percentages are stored with two decimals; more would make totals disagree with what is kept.
        v.check(discountPercent.significantScale <= 2, "discountPercent", "Discount must have at most two decimals")
        for (i, line) in lines.enumerated() {
            v.check(line.discountPercent.significantScale <= 2, "lines[\(i)].discountPercent", "Discount must have at most two decimals")
        }
        for (field, date) in [("proposedStart", proposedStart), ("validUntil", validUntil)] {
            if let date { v.check(date.year <= 9000, field, "\(field) must be before the year 9000") }
        }
    }
}

/// Proposals, their lines and their moves.
struct ProposalStore: Sendable {
    static let columns: Query = """
        p.id, p.version, p.opportunity_id, o.account_id, p.number, p.status, p.author_id, p.reviewer_id, p.terms,
        p.valid_until, p.proposed_start, p.discount_percent, p.subtotal, p.discount, p.total, p.accepted_on, p.declined_on,
        p.created_at, p.updated_at, (SELECT j.id FROM projects j WHERE j.proposal_id = p.id) AS project_id,
        coalesce((SELECT json_agg(json_build_object(
                    'id', l.id, 'typicalProjectId', l.typical_project_id, 'typicalProjectName', t.name, 'description', l.description,
                    'quantity', trim_scale(l.quantity)::text, 'unit', l.unit, 'unitPrice', l.unit_price::text,
                    'discountPercent', trim_scale(l.discount_percent)::text, 'lineTotal', l.line_total::text,
                    'kind', l.kind, 'recurrence', CASE WHEN l.billing_period IS NOT NULL THEN json_build_object(
                        'period', l.billing_period, 'termMonths', l.term_months, 'autoRenew', l.auto_renew,
                        'noticeDays', l.notice_days) END) ORDER BY l.position)
                  FROM proposal_lines l LEFT JOIN typical_projects t ON t.id = l.typical_project_id
                  WHERE l.proposal_id = p.id), '[]')::text AS lines,
        coalesce((SELECT json_agg(json_build_object('action', e.action, 'fromStatus', e.from_status, 'toStatus', e.to_status,
                                                    'actorId', e.actor_id, 'comment', e.comment, 'at', e.at) ORDER BY e.at, e.id)
                  FROM proposal_events e WHERE e.proposal_id = p.id), '[]')::text AS events
        """
    static let from: Query = "proposals p JOIN opportunities o ON o.id = p.opportunity_id"

    /// Proposals a caller sees: those of the opportunities they see, and any they
    /// wrote or were asked to review.
    static func scope(_ caller: Caller) -> Query {
        if caller.isAdmin { return "TRUE" }
        return "(\(Scope.accountOf(caller, column: "o.account_id")) OR p.author_id = \(caller.id) OR p.reviewer_id = \(caller.id))"
    }

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, today: CalendarDate, forUpdate: Bool = false) async throws -> ProposalRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF p" : ""
        return try await db.query("""
            SELECT \(Self.columns) FROM \(Self.from) WHERE p.id = \(id) AND \(Self.scope(caller))\(lock)
            """).first.map { try Self.record($0, today: today) }
    }

    /// `find`, refusing (404) a proposal the caller does not see.
    func visible(_ db: Connection, id: Int64, to caller: Caller, today: CalendarDate, forUpdate: Bool = false) async throws -> ProposalRecord {
        guard let proposal = try await find(db, id: id, visibleTo: caller, today: today, forUpdate: forUpdate) else {
            throw APIError.notFound("proposal")
        }
        return proposal
    }

    func findAny(_ db: Connection, id: Int64, today: CalendarDate) async throws -> ProposalRecord {
        try Self.record(try await db.expectRow("SELECT \(Self.columns) FROM \(Self.from) WHERE p.id = \(id)"), today: today)
    }

    func list(_ db: Connection, opportunityID: Int64, today: CalendarDate) async throws -> [ProposalRecord] {
        try await db.query("""
            SELECT \(Self.columns) FROM \(Self.from) WHERE p.opportunity_id = \(opportunityID) ORDER BY p.number
            """).map { try Self.record($0, today: today) }
    }

    /// A new version: the next number, its lines, and the open versions before it superseded.
    func create(_ db: Connection, opportunityID: Int64, draft: ProposalDraft, by actorID: Int64, today: CalendarDate) async throws -> ProposalRecord {
        // Serializes versions of one opportunity: two drafts at once cannot share a number.
        try await db.query("SELECT id FROM opportunities WHERE id = \(opportunityID) FOR UPDATE")
        let superseded = try await db.query("""
            UPDATE proposals SET status = 'superseded', version = version + 1, updated_at = now()
            WHERE opportunity_id = \(opportunityID) AND status IN ('draft', 'in_review', 'approved', 'sent')
            RETURNING id
            """)
        let totals = draft.totals
        let id: Int64 = try await db.expectRow("""
            INSERT INTO proposals (opportunity_id, number, author_id, reviewer_id, terms, valid_until, proposed_start,
                                   discount_percent, subtotal, discount, total)
            VALUES (\(opportunityID), coalesce((SELECT max(number) FROM proposals WHERE opportunity_id = \(opportunityID)), 0) + 1,
                    \(actorID), \(draft.reviewerID), \(draft.terms), \(draft.validUntil), \(draft.proposedStart),
                    \(draft.discountPercent), \(totals.subtotal), \(totals.discount), \(totals.total))
            RETURNING id
            """).decode("id")
        for row in superseded {
            let old: Int64 = try row.decode("id")
            try await event(db, proposalID: old, action: "supersede", from: nil, to: .superseded, actorID: actorID,
                            comment: "superseded by a new version (proposal \(id))")
        }
        try await writeLines(db, proposalID: id, draft: draft, totals: totals)
        try await event(db, proposalID: id, action: "create", from: nil, to: .draft, actorID: actorID, comment: nil)
        let created = try await findAny(db, id: id, today: today)
        try await AuditTrail.record(db, actorID: actorID, entity: "proposal", entityID: id, action: .create,
                                    before: nil, after: .of(created, excluding: ["events"]))
        return created
    }

    func update(_ db: Connection, before: ProposalRecord, draft: ProposalDraft, by actorID: Int64, today: CalendarDate) async throws -> ProposalRecord {
        let totals = draft.totals
        try await db.query("""
            UPDATE proposals SET reviewer_id = \(draft.reviewerID), terms = \(draft.terms), valid_until = \(draft.validUntil),
                proposed_start = \(draft.proposedStart), discount_percent = \(draft.discountPercent), subtotal = \(totals.subtotal),
                discount = \(totals.discount), total = \(totals.total), version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        try await db.query("DELETE FROM proposal_lines WHERE proposal_id = \(before.id)")
        try await writeLines(db, proposalID: before.id, draft: draft, totals: totals)
        let after = try await findAny(db, id: before.id, today: today)
        try await AuditTrail.record(db, actorID: actorID, entity: "proposal", entityID: before.id, action: .update,
                                    before: .of(before, excluding: ["events"]), after: .of(after, excluding: ["events"]))
        return after
    }

    /// Moves a proposal to `status`, recording the move.
    func move(
        _ db: Connection, _ proposal: ProposalRecord, action: ProposalAction, to status: ProposalStatus, comment: String?,
        acceptedOn: CalendarDate?, by actorID: Int64, today: CalendarDate
    ) async throws -> ProposalRecord {
        try await db.query("""
            UPDATE proposals SET status = \(status.rawValue), accepted_on = \(status == .accepted ? acceptedOn : nil),
                declined_on = \(status == .declined ? today : nil), version = version + 1, updated_at = now()
            WHERE id = \(proposal.id)
            """)
        try await event(db, proposalID: proposal.id, action: action.rawValue, from: proposal.status, to: status,
                        actorID: actorID, comment: comment)
        let after = try await findAny(db, id: proposal.id, today: today)
        try await AuditTrail.record(db, actorID: actorID, entity: "proposal", entityID: proposal.id, action: .update,
                                    before: .of(proposal, excluding: ["events"]), after: .of(after, excluding: ["events"]))
        return after
    }

    /// The other open versions of an opportunity's proposal, superseded once one is accepted.
    func supersedeOthers(_ db: Connection, opportunityID: Int64, except id: Int64, by actorID: Int64) async throws {
        let rows = try await db.query("""
            UPDATE proposals SET status = 'superseded', version = version + 1, updated_at = now()
            WHERE opportunity_id = \(opportunityID) AND id <> \(id) AND status IN ('draft', 'in_review', 'approved', 'sent')
            RETURNING id
            """)
        for row in rows {
            try await event(db, proposalID: try row.decode("id"), action: "supersede", from: nil, to: .superseded,
                            actorID: actorID, comment: "another version was accepted")
        }
    }

    private func writeLines(_ db: Connection, proposalID: Int64, draft: ProposalDraft, totals: ProposalTotals) async throws {
        for (i, line) in draft.lines.enumerated() {
            try await db.query("""
                INSERT INTO proposal_lines (proposal_id, position, typical_project_id, description, quantity, unit, unit_price,
                                            discount_percent, line_total, kind, billing_period, term_months, auto_renew, notice_days)
                VALUES (\(proposalID), \(i + 1), \(line.typicalProjectId), \(line.description), \(line.quantity),
                        \(line.unit.rawValue), \(line.unitPrice), \(line.discountPercent), \(totals.lineTotals[i]),
                        \(line.kind.rawValue), \(line.recurrence?.period.rawValue), \(line.recurrence?.termMonths),
                        \(line.recurrence?.autoRenew), \(line.recurrence?.noticeDays))
                """)
        }
    }

    private func event(
        _ db: Connection, proposalID: Int64, action: String, from: ProposalStatus?, to: ProposalStatus, actorID: Int64?, comment: String?
    ) async throws {
        try await db.query("""
            INSERT INTO proposal_events (proposal_id, action, from_status, to_status, actor_id, comment)
            VALUES (\(proposalID), \(action), \(from?.rawValue), \(to.rawValue), \(actorID), \(comment))
            """)
    }

    static func record(_ row: Row, today: CalendarDate) throws -> ProposalRecord {
        let stored = ProposalStatus(rawValue: try row.decode("status")) ?? .draft
        let validUntil: CalendarDate? = try row.decode("valid_until")
        // The columns build the lines and events as the records' own JSON.
        let lines = try row.decode("lines", as: JSONB<[ProposalRecord.Line]>.self).value
        let discountPercent = DecimalString(try row.decode("discount_percent", as: Decimal.self))
        let split = ProposalMath.split(lines: lines.map(\.input), discountPercent: discountPercent.value)
        let recurring = RecurringMath.totals(lines: lines.map(\.input), discountPercent: discountPercent.value)
        return ProposalRecord(
            id: try row.decode("id"), version: try row.decode("version"), opportunityId: try row.decode("opportunity_id"),
            accountId: try row.decode("account_id"), number: try row.decode("number"),
            status: ProposalWorkflow.effectiveStatus(stored: stored, validUntil: validUntil, today: today),
            authorId: try row.decode("author_id"), reviewerId: try row.decode("reviewer_id"), terms: try row.decode("terms"),
            validUntil: validUntil, proposedStart: try row.decode("proposed_start"),
            discountPercent: discountPercent, subtotal: Money(try row.decode("subtotal", as: Decimal.self)),
            discount: Money(try row.decode("discount", as: Decimal.self)), total: Money(try row.decode("total", as: Decimal.self)),
            serviceValue: Money(split.serviceValue), passThroughValue: Money(split.passThroughValue),
            recurringPerMonth: Money(recurring.perMonth), contractValue: Money(recurring.contractValue),
            acceptedOn: try row.decode("accepted_on"), declinedOn: try row.decode("declined_on"), lines: lines,
            events: try row.decode("events", as: JSONB<[ProposalRecord.Event]>.self).value, projectId: try row.decode("project_id"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"), storedStatus: stored)
    }
}
