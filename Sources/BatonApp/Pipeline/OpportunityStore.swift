import BatonCore
import Dates
import Foundation
import Postgres

/// An opportunity as the API shows it: its stage, money, dates, team and the
/// probability and forecast category in force.
struct OpportunityRecord: Codable, Sendable, KeepsEveryKey, Versioned {
    var id, accountId, ownerId: Int64
    var version: Int
    var name, accountName: String
    var kind: OpportunityKind
    var amount: Money
    var closeDate: CalendarDate
    var team: [TeamMember]
    /// The stage it is in and since when, and the probability and forecast category in
    /// force: the person's override while the deal is open, else the stage's.
    var stage: String
    var stageEnteredAt: Timestamp
    var daysInStage: Int
    var probability: DecimalString
    var forecastCategory: ForecastCategory
    var probabilityOverridden, forecastCategoryOverridden: Bool
    var nextStep, source, lostReason, externalId: String?
    var wonOn, lostOn: CalendarDate?
    var archived: Bool
    var createdAt, updatedAt: Timestamp

    /// What the audit trail keeps: the fields a person sets, not derived ones.
    var auditSnapshot: AuditSnapshot {
        .of(self, excluding: ["accountName", "daysInStage", "stageEnteredAt", "probabilityOverridden", "forecastCategoryOverridden"])
    }
}

/// Opportunities, their teams and their stage history.
struct OpportunityStore: Sendable {
    static let columns: Query = """
        o.id, o.version, o.account_id, a.name AS account_name, o.name, o.kind, o.stage_key, o.amount, o.close_date,
        o.owner_id, o.probability_override, o.forecast_category_override, o.next_step, o.source, o.closed_on,
        o.lost_reason, o.stage_entered_at, o.external_id, o.archived_at IS NOT NULL AS archived, o.created_at, o.updated_at,
        s.is_won, s.is_lost,
        effective_probability(s.is_won OR s.is_lost, s.probability, o.probability_override) AS probability,
        effective_forecast_category(s.is_won OR s.is_lost, s.forecast_category, o.forecast_category_override) AS forecast_category,
        floor(extract(epoch FROM now() - o.stage_entered_at) / 86400)::int AS days_in_stage,
        \(teamColumn("user_id", as: "team_user_ids")), \(teamColumn("role", as: "team_roles")),
        \(teamColumn("split_percent::text", as: "team_splits"))
        """

    /// One field of the deal's team, member by member, largest split first. Three arrays
    /// rather than one JSON document: every read of a deal decodes its team, and
    /// Foundation's JSON decoder was a twentieth of a read's CPU (docs/performance.md).
    private static func teamColumn(_ field: String, as name: String) -> Query {
        Query(unsafeSQL: """
            coalesce((SELECT array_agg(t.\(field) ORDER BY t.split_percent DESC, t.user_id)
                      FROM opportunity_team t WHERE t.opportunity_id = o.id), '{}') AS \(name)
            """)
    }
    static let from: Query = "opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key"

    /// The opportunity if `caller` sees it. With `forUpdate` the row is locked first,
    /// on its own, and then read in a new statement: a read that waited for the lock
    /// then sees the committed row whole, so concurrent changes under one `If-Match`
    /// meet a version mismatch (412), never a row that seems to have vanished (404).
    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool = false) async throws -> OpportunityRecord? {
        if forUpdate {
            let locked = try await db.query("""
                SELECT o.id FROM opportunities o WHERE o.id = \(id) AND \(Scope.account(caller, column: "o.account_id")) FOR UPDATE
                """)
            guard !locked.isEmpty else { return nil }
        }
        return try await db.query("""
            SELECT \(Self.columns) FROM \(Self.from) WHERE o.id = \(id) AND \(Scope.account(caller, column: "o.account_id"))
            """).first.map(Self.record)
    }

    func findAny(_ db: Connection, id: Int64) async throws -> OpportunityRecord {
        try Self.record(try await db.writtenRow("SELECT \(Self.columns) FROM \(Self.from) WHERE o.id = \(id)", entity: "opportunity"))
    }

    struct Filter: Sendable {
        var accountID, ownerID: Int64?
        var stage: String?
        var closingFrom, closingTo: CalendarDate?
        var text: String?
        var includeArchived = false
    }

    func list(_ db: Connection, visibleTo caller: Caller, filter: Filter, page: PageRequest) async throws -> Page<OpportunityRecord> {
        var conditions: [Query] = [Scope.accounts(caller)]
        if let id = filter.accountID { conditions.append("o.account_id = \(id)") }
        if let id = filter.ownerID { conditions.append("o.owner_id = \(id)") }
        if let stage = filter.stage { conditions.append("o.stage_key = \(stage)") }
        if let from = filter.closingFrom { conditions.append("o.close_date >= \(from)") }
        if let to = filter.closingTo { conditions.append("o.close_date <= \(to)") }
        if let text = filter.text?.trimmed, !text.isEmpty { conditions.append("o.name ILIKE \(Scope.containsPattern(text))") }
        if !filter.includeArchived { conditions.append("o.archived_at IS NULL") }
        if let c = page.cursor, c.count == 2, let date = CalendarDate(c[0]), let id = Int64(c[1]) {
            conditions.append("(o.close_date, o.id) > (\(date), \(id))")
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM \(Self.from) WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY o.close_date, o.id LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(Self.record), limit: page.limit) { [$0.closeDate.description, String($0.id)] }
    }

    func create(_ db: Connection, _ f: OpportunityFields, by actorID: Int64?) async throws -> OpportunityRecord {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id, probability_override,
                                       forecast_category_override, next_step, source, closed_on, lost_reason, external_id)
            VALUES (\(f.accountID), \(f.name), \(f.kind.rawValue), \(f.stage.key), \(f.amount), \(f.closeDate), \(f.ownerID),
                    \(f.probabilityOverride), \(f.categoryOverride?.rawValue), \(f.nextStep), \(f.source), \(f.closedOn),
                    \(f.lostReason), \(f.externalID))
            RETURNING id
            """).decode("id")
        try await replaceTeam(db, opportunityID: id, team: f.team)
        try await recordStageChange(db, opportunityID: id, from: nil, by: actorID)
        let created = try await findAny(db, id: id)
        try await AuditTrail.record(db, actorID: actorID, entity: "opportunity", entityID: id, action: .create,
                                    before: nil, after: created.auditSnapshot)
        return created
    }

    func update(_ db: Connection, before: OpportunityRecord, to f: OpportunityFields, teamChanged: Bool, by actorID: Int64?) async throws -> OpportunityRecord {
        let stageChanged = f.stage.key != before.stage
        let entered: Query = stageChanged ? "now()" : "stage_entered_at"
        try await db.query("""
            UPDATE opportunities SET account_id = \(f.accountID), name = \(f.name), kind = \(f.kind.rawValue),
                stage_key = \(f.stage.key), amount = \(f.amount), close_date = \(f.closeDate), owner_id = \(f.ownerID),
                probability_override = \(f.probabilityOverride), forecast_category_override = \(f.categoryOverride?.rawValue),
                next_step = \(f.nextStep), source = \(f.source), closed_on = \(f.closedOn), lost_reason = \(f.lostReason),
                external_id = \(f.externalID), stage_entered_at = \(entered), version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        if teamChanged { try await replaceTeam(db, opportunityID: before.id, team: f.team) }
        if stageChanged { try await recordStageChange(db, opportunityID: before.id, from: before.stage, by: actorID) }
        let after = try await findAny(db, id: before.id)
        try await AuditTrail.record(db, actorID: actorID, entity: "opportunity", entityID: before.id, action: .update,
                                    before: before.auditSnapshot, after: after.auditSnapshot)
        return after
    }

    func archive(_ db: Connection, _ o: OpportunityRecord, by actorID: Int64) async throws {
        try await db.query("UPDATE opportunities SET archived_at = now(), version = version + 1, updated_at = now() WHERE id = \(o.id)")
        try await AuditTrail.record(db, actorID: actorID, entity: "opportunity", entityID: o.id, action: .archive,
                                    before: ["archived": .bool(false)], after: ["archived": .bool(true)])
    }

    /// Brings an archived deal back into lists, the board and the reports.
    func restore(_ db: Connection, _ o: OpportunityRecord, by actorID: Int64) async throws -> OpportunityRecord {
        try await db.query("UPDATE opportunities SET archived_at = NULL, version = version + 1, updated_at = now() WHERE id = \(o.id)")
        try await AuditTrail.record(db, actorID: actorID, entity: "opportunity", entityID: o.id, action: .restore,
                                    before: ["archived": .bool(true)], after: ["archived": .bool(false)])
        return try await findAny(db, id: o.id)
    }

    private func replaceTeam(_ db: Connection, opportunityID: Int64, team: [TeamMember]) async throws {
        try await db.query("DELETE FROM opportunity_team WHERE opportunity_id = \(opportunityID)")
        try await db.query("""
            INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
            SELECT \(opportunityID), m.user_id, m.role, m.split
            FROM unnest(\(team.map(\.userId))::bigint[], \(team.map(\.role.rawValue))::text[],
                        \(team.map(\.splitPercent.value))::numeric[]) AS m(user_id, role, split)
            """)
    }

    /// Writes the history row of the stage the opportunity is now in, with the
    /// numbers in force at that moment.
    private func recordStageChange(_ db: Connection, opportunityID: Int64, from: String?, by actorID: Int64?) async throws {
        try await db.query("""
            INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, changed_by, amount, close_date,
                                                   probability, forecast_category)
            SELECT o.id, \(from), o.stage_key, \(actorID), o.amount, o.close_date,
                   effective_probability(s.is_won OR s.is_lost, s.probability, o.probability_override),
                   effective_forecast_category(s.is_won OR s.is_lost, s.forecast_category, o.forecast_category_override)
            FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key WHERE o.id = \(opportunityID)
            """)
    }

    struct HistoryEntry: Codable, Sendable {
        var id: Int64
        var fromStage: String?
        var toStage: String
        /// Days spent in `toStage`: until the next change, or until now.
        var daysInStage: Int
        var changedAt: Timestamp
        var changedBy: Int64?
        /// The deal's numbers as it entered `toStage`.
        var amount: Money
        var closeDate: CalendarDate
        var probability: DecimalString
        var forecastCategory: ForecastCategory
    }

    func history(_ db: Connection, opportunityID: Int64) async throws -> [HistoryEntry] {
        try await db.query("""
            SELECT h.id, h.from_stage, h.to_stage, h.changed_by, h.changed_at, h.amount, h.close_date, h.probability,
                   h.forecast_category,
                   floor(extract(epoch FROM coalesce(lead(h.changed_at) OVER w, now()) - h.changed_at) / 86400)::int AS days
            FROM opportunity_stage_history h WHERE h.opportunity_id = \(opportunityID)
            WINDOW w AS (ORDER BY h.changed_at, h.id)
            ORDER BY h.changed_at, h.id
            """).map { row in
            HistoryEntry(
                id: try row.decode("id"), fromStage: try row.decode("from_stage"), toStage: try row.decode("to_stage"),
                daysInStage: try row.decode("days"), changedAt: try row.decode("changed_at"), changedBy: try row.decode("changed_by"),
                amount: Money(try row.decode("amount", as: Decimal.self)), closeDate: try row.decode("close_date"),
                probability: DecimalString(try row.decode("probability", as: Decimal.self)),
                forecastCategory: ForecastCategory(rawValue: try row.decode("forecast_category")) ?? .pipeline)
        }
    }

    static func record(_ row: Row) throws -> OpportunityRecord {
        let won: Bool = try row.decode("is_won")
        let lost: Bool = try row.decode("is_lost")
        let closedOn: CalendarDate? = try row.decode("closed_on")
        let team = zip(try row.decode("team_user_ids", as: [Int64].self),
                       zip(try row.decode("team_roles", as: [String].self), try row.decode("team_splits", as: [String].self)))
            .map { userID, roleAndSplit in
                TeamMember(userId: userID, role: TeamRole(rawValue: roleAndSplit.0) ?? .other,
                           splitPercent: Decimal(apiText: roleAndSplit.1) ?? 0)
            }
        return OpportunityRecord(
            id: try row.decode("id"), accountId: try row.decode("account_id"), ownerId: try row.decode("owner_id"),
            version: try row.decode("version"), name: try row.decode("name"), accountName: try row.decode("account_name"),
            kind: OpportunityKind(rawValue: try row.decode("kind")) ?? .newBusiness,
            amount: Money(try row.decode("amount", as: Decimal.self)), closeDate: try row.decode("close_date"), team: team,
            stage: try row.decode("stage_key"), stageEnteredAt: try row.decode("stage_entered_at"),
            daysInStage: try row.decode("days_in_stage"),
            probability: DecimalString(try row.decode("probability", as: Decimal.self)),
            forecastCategory: ForecastCategory(rawValue: try row.decode("forecast_category")) ?? .pipeline,
            probabilityOverridden: !row.isNull("probability_override") && !won && !lost,
            forecastCategoryOverridden: !row.isNull("forecast_category_override") && !won && !lost,
            nextStep: try row.decode("next_step"), source: try row.decode("source"), lostReason: try row.decode("lost_reason"),
            externalId: try row.decode("external_id"), wonOn: won ? closedOn : nil, lostOn: lost ? closedOn : nil,
            archived: try row.decode("archived"), createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}

extension OpportunityStore {
    /// The project a won deal became, if any.
    func projectMadeFrom(_ db: Connection, opportunityID: Int64) async throws -> Int64? {
        guard let row = try await db.query("SELECT id FROM projects WHERE opportunity_id = \(opportunityID) LIMIT 1").first else {
            return nil
        }
        return try row.decode("id")
    }

    /// What a deal's fields point at, as the caller may use it.
    struct References { var accountOK: Bool; var ownerOK: Bool; var teamFound: Int }

    /// Whether the account is one the caller sees and open (or the deal's own already),
    /// whether the owner is an active person in the caller's line (when `checkOwner`),
    /// and how many of the team are active people.
    func references(
        _ db: Connection, _ f: OpportunityFields, caller: Caller, checkOwner: Bool, currentAccountID: Int64?
    ) async throws -> References {
        let row = try await db.expectRow("""
            SELECT
                EXISTS (SELECT 1 FROM accounts a WHERE a.id = \(f.accountID) AND \(Scope.accounts(caller))
                        AND (a.archived_at IS NULL OR a.id = \(currentAccountID))) AS account_ok,
                NOT \(checkOwner) OR EXISTS (SELECT 1 FROM users u WHERE u.id = \(f.ownerID) AND u.active AND \(UserStore.scope(caller))) AS owner_ok,
                (SELECT count(*) FROM users WHERE id = ANY(\(f.team.map(\.userId))::bigint[]) AND active) AS team_found
            """)
        return References(accountOK: try row.decode("account_ok"), ownerOK: try row.decode("owner_ok"),
                          teamFound: try row.decode("team_found", as: Int.self))
    }

    /// An open deal as the pipeline board shows it.
    struct BoardCard {
        var id: Int64
        /// The deal's, its account's and its owner's names.
        var name, account, owner: String
        var stageKey: String
        var amount: Decimal
        var closeDate: CalendarDate
        /// The stage's probability unless the deal overrides it.
        var probability: Decimal
        var daysInStage, usualDays: Int
        /// The deal overrides its stage's probability or forecast category.
        var overridden: Bool
    }

    /// The first `perStage` cards of each open stage, soonest closing first (then by
    /// id): the open, unarchived deals the caller sees, closing in `period` (every open
    /// deal when it is nil), of one owner or all. A quarter at a million deals holds
    /// 55,000 open ones, more than a page can render.
    ///
    /// Each stage is one walk stopped at the limit. The admin's walks
    /// opportunities_stage_close_id_idx. Anyone else's picks each stage's ids first and
    /// reads the cards' other columns for those ids only, walking one of two ways:
    /// someone who sees many accounts (`byStage`; chosen when nil by counting theirs,
    /// for everyone's deals: one owner's are left to the planner)
    /// walks the stage in (close date, id) order and checks each deal's account with one
    /// look-up of `account_viewers`, about `perStage` / (their share of the deals) deals;
    /// someone who sees few has their accounts' deals read once from the (account, close
    /// date) index and each stage's first ones numbered (one owner's: walked per stage in
    /// that index). Both used to walk every account they see once per stage: 640-990 ms for a
    /// sales manager who sees 1,600 of the 10,000 accounts, 13-31 ms now (this quarter,
    /// under load; docs/performance.md, "The account manager's board").
    func board(_ db: Connection, visibleTo caller: Caller, ownerID: Int64?, period: FiscalPeriod?, perStage: Int,
               byStage: Bool? = nil) async throws -> [BoardCard] {
        let cards: Query = """
            o.id, o.name, a.name AS account, o.amount, o.close_date, o.stage_key, u.name AS owner,
            effective_probability(s.is_won OR s.is_lost, s.probability, o.probability_override) AS probability,
            floor(extract(epoch FROM now() - o.stage_entered_at) / 86400)::int AS days, s.usual_days,
            (o.probability_override IS NOT NULL OR o.forecast_category_override IS NOT NULL) AS overridden
            """
        // The planner would choose the walk itself from account_viewers' statistics, but
        // they lag: an import that gave an account manager 2,800 more accounts left them
        // planned as 170 and walked once per stage (102,000 buffers against 1,800).
        var visible: Query = "TRUE"
        var fewAccounts = false
        if !caller.isAdmin {
            let walkStages: Bool
            // One owner's deals are a sixtieth of a stage's: walking the stage for them read
            // 14,000-16,000 buffers (150-180 ms) where the planner's own choice took 38-60 ms.
            if let byStage { walkStages = byStage } else if ownerID != nil { walkStages = false } else {
                walkStages = try await Self.seesManyAccounts(db, caller)
            }
            visible = walkStages ? Scope.accountChecked(caller, column: "k.account_id") : Scope.account(caller, column: "k.account_id")
            fewAccounts = !walkStages && ownerID == nil
        }
        // Someone who sees few accounts has their deals read once, as the column totals
        // read them (their accounts as one array key of the (account, close date) index),
        // and each stage's first ones numbered: walking their accounts once per stage read
        // each account's deals five times (am.001 at a million deals, this quarter: 2,555
        // index buffers against 522, 13-15 ms against 6; every open deal: 19,000 buffers
        // and 130-220 ms against 2,500 and 19-37). One owner's deals are left to the planner.
        if fewAccounts {
            return try await db.query("""
                SELECT \(cards) FROM (
                    SELECT k.id, row_number() OVER (PARTITION BY k.stage_key ORDER BY k.close_date, k.id) AS place
                    FROM opportunities k
                    WHERE k.is_open AND \(Self.boardConditions(ownerID: nil, period: period, alias: "k",
                                                                visible: Scope.accountsArray(caller, column: "k.account_id")))
                ) k
                JOIN opportunities o ON o.id = k.id JOIN pipeline_stages s ON s.key = o.stage_key
                JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = o.owner_id
                WHERE k.place <= \(perStage) AND s.is_open
                ORDER BY o.close_date, o.id
                """).map(Self.boardCard)
        }
        let statement: Query = caller.isAdmin ? """
            SELECT c.* FROM pipeline_stages s CROSS JOIN LATERAL (
                SELECT \(cards)
                FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = o.owner_id
                WHERE o.stage_key = s.key AND \(Self.boardConditions(ownerID: ownerID, period: period, visible: "TRUE"))
                ORDER BY o.close_date, o.id LIMIT \(perStage)
            ) c
            WHERE NOT s.is_won AND NOT s.is_lost
            ORDER BY c.close_date, c.id
            """ : """
            SELECT \(cards) FROM pipeline_stages s CROSS JOIN LATERAL (
                SELECT k.id FROM opportunities k
                WHERE k.stage_key = s.key AND k.is_open
                  AND \(Self.boardConditions(ownerID: ownerID, period: period, alias: "k", visible: visible))
                ORDER BY k.close_date, k.id LIMIT \(perStage)
            ) k
            JOIN opportunities o ON o.id = k.id JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = o.owner_id
            WHERE s.is_open
            ORDER BY o.close_date, o.id
            """
        return try await db.query(statement).map(Self.boardCard)
    }

    private static func boardCard(_ row: Row) throws -> BoardCard {
        BoardCard(id: try row.decode("id"), name: try row.decode("name"), account: try row.decode("account"),
                  owner: try row.decode("owner"), stageKey: try row.decode("stage_key"), amount: try row.decode("amount"),
                  closeDate: try row.decode("close_date"), probability: try row.decode("probability"),
                  daysInStage: try row.decode("days"), usualDays: try row.decode("usual_days"), overridden: try row.decode("overridden"))
    }

    /// Whether `caller` sees at least a twentieth of the firm's accounts (the planner's
    /// count of them, kept by ANALYZE), from which walking a stage and checking each deal
    /// costs less than walking their accounts once per stage (docs/performance.md).
    private static func seesManyAccounts(_ db: Connection, _ caller: Caller) async throws -> Bool {
        try await db.expectRow("""
            SELECT count(*) * 20 >= (SELECT reltuples FROM pg_class WHERE oid = 'accounts'::regclass) AS many
            FROM account_viewers WHERE viewer_id = \(caller.id)
            """).decode("many")
    }

    /// Whether `caller` sees every deal: an admin, or someone who sees every account.
    static func seesEveryDeal(_ db: Connection, _ caller: Caller) async throws -> Bool {
        if caller.isAdmin { return true }
        return try await db.expectRow("SELECT sees_every_account(\(caller.id)) AS every").decode("every")
    }

    /// Each open stage's deal count, total and weighted total over all its deals on the
    /// board, not only the cards shown.
    ///
    /// An admin's board, or the board of someone who sees every account (a head of sales
    /// above everyone: every deal is theirs to see; anyone's or one person's, every open
    /// deal or a period) is read from the totals the reports keep (`opportunity_stage_totals`: per stage, owner and
    /// month of record, every deal not archived; its weighted part split into deals at the
    /// stage's probability and deals with their own), the same sums as over the deals
    /// themselves: at a million deals the aggregate over every open one took 436 ms, over
    /// a quarter's 55,000 31-112 ms. An open deal's month of record is its close date's
    /// month (it has no `closed_on`: sql/0048), so a period of whole months (every period
    /// the board takes: a year, a quarter, a month) is its months' rows. Any other period,
    /// or a caller who sees only some accounts (the totals are kept per owner, not per
    /// account they see), sums the deals: 490 ms for a quarter of someone who sees all
    /// 10,000 accounts, 7 ms to learn they do and 2 ms to read the kept totals instead.
    func boardTotals(_ db: Connection, visibleTo caller: Caller, ownerID: Int64?, period: FiscalPeriod?) async throws
        -> [String: (count: Int, total: Decimal, weighted: Decimal)] {
        let owner: Query = ownerID.map { id -> Query in "t.owner_id = \(id)" } ?? "TRUE"
        let keptMonths = try await Self.seesEveryDeal(db, caller) ? Self.keptMonths(period) : nil
        // A non-admin's deals come from the (account, close date) index, which says
        // whether each is open: the closed ones are passed over before row-level security
        // checks them. The admin's come from opportunities_close_idx, which does not say.
        let open: Query = caller.isAdmin ? "TRUE" : "o.is_open"
        let rows = try await db.query(keptMonths.map { months -> Query in """
            SELECT t.stage_key, sum(t.deals)::int AS n, sum(t.amount) AS total,
                   sum(t.amount_at_stage_probability * s.probability / 100 + t.weighted_override) AS weighted
            FROM opportunity_stage_totals t JOIN pipeline_stages s ON s.key = t.stage_key
            WHERE NOT s.is_won AND NOT s.is_lost AND \(owner) AND \(months)
            GROUP BY t.stage_key HAVING sum(t.deals) <> 0
            """ } ?? """
            SELECT o.stage_key, count(*)::int AS n, sum(o.amount) AS total,
                   sum(o.amount * effective_probability(FALSE, s.probability, o.probability_override) / 100) AS weighted
            FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
            WHERE NOT s.is_won AND NOT s.is_lost AND \(open)
              AND \(Self.boardConditions(ownerID: ownerID, period: period, visible: Scope.accountsArray(caller, column: "o.account_id")))
            GROUP BY o.stage_key
            """)
        var totals: [String: (count: Int, total: Decimal, weighted: Decimal)] = [:]
        for row in rows {
            totals[try row.decode("stage_key")] = (try row.decode("n"), try row.decode("total"), try row.decode("weighted"))
        }
        return totals
    }

    /// The kept totals' months that make up `period` (every month when there is none), or
    /// nil when it starts or ends inside a month and only the deals can say.
    private static func keptMonths(_ period: FiscalPeriod?) -> Query? {
        guard let period else { return "TRUE" }
        guard period.start.day == 1, period.endExclusive.day == 1 else { return nil }
        return "t.month >= \(period.start) AND t.month < \(period.endExclusive)"
    }

    /// The board's deals: unarchived, `visible` (a `Scope` condition on `alias`'s
    /// account), of the owner and in the period asked.
    private static func boardConditions(ownerID: Int64?, period: FiscalPeriod?, alias: String = "o", visible: Query) -> Query {
        var conditions: [Query] = ["\(unsafeSQL: alias).archived_at IS NULL", visible]
        if let ownerID { conditions.append("\(unsafeSQL: alias).owner_id = \(ownerID)") }
        if let period {
            conditions.append("\(unsafeSQL: alias).close_date >= \(period.start) AND \(unsafeSQL: alias).close_date < \(period.endExclusive)")
        }
        return Query.join(conditions, separator: " AND ")
    }

    /// The people the board can be narrowed to: active sellers in the caller's line.
    func boardOwners(_ db: Connection, visibleTo caller: Caller) async throws -> [(id: Int64, name: String)] {
        try await db.query("""
            SELECT u.id, u.name FROM users u WHERE u.active AND u.roles && ARRAY['account_manager', 'sales', 'manager']
              AND \(UserStore.scope(caller)) ORDER BY lower(u.name)
            """).map { (id: try $0.decode("id"), name: try $0.decode("name")) }
    }

    /// Who may review a new proposal for a deal: the active project managers.
    func proposalReviewers(_ db: Connection) async throws -> [(id: Int64, name: String)] {
        try await db.query("""
            SELECT id, name FROM users WHERE active AND 'project_manager' = ANY(roles) ORDER BY lower(name), id
            """).map { (id: try $0.decode("id"), name: try $0.decode("name")) }
    }
}

extension OpportunityStore {
    /// Deals brought in with their history from before Baton, in four set-based
    /// statements whatever their number: ids taken from the sequence in the deals'
    /// order, the deals as they stand (in their stage since their last step), their
    /// teams, and each step of their stage history with the stage's numbers. The
    /// totals' statement triggers count them as they count single creates. `moment`
    /// says when in a day a step happened. Returns the deals as written, in order.
    func recordHistory(
        _ db: Connection, deals: [HistoricDeal], moment: (CalendarDate) -> Timestamp
    ) async throws -> [OpportunityRecord] {
        guard !deals.isEmpty else { return [] }
        let ids: [Int64] = try await db.query("""
            SELECT nextval(pg_get_serial_sequence('opportunities', 'id')) AS id FROM generate_series(1, \(deals.count))
            """).map { try $0.decode("id") }
        let fields = deals.map(\.fields)
        let entered = deals.map { moment($0.steps.last?.on ?? $0.createdOn) }
        try await db.query("""
            INSERT INTO opportunities (id, external_id, account_id, name, kind, stage_key, amount, close_date, owner_id,
                                       probability_override, forecast_category_override, next_step, source, closed_on,
                                       lost_reason, stage_entered_at, created_at, updated_at)
            OVERRIDING SYSTEM VALUE
            SELECT id, e, a, n, k, s, am, cd, o, po, fo, ns, so, co, lr, en, cr, en
            FROM unnest(\(ids)::bigint[], \(fields.map(\.externalID))::text[], \(fields.map(\.accountID))::bigint[],
                        \(fields.map(\.name))::text[], \(fields.map(\.kind.rawValue))::text[], \(fields.map(\.stage.key))::text[],
                        \(fields.map(\.amount))::numeric[], \(fields.map(\.closeDate))::date[], \(fields.map(\.ownerID))::bigint[],
                        \(fields.map(\.probabilityOverride))::numeric[], \(fields.map(\.categoryOverride?.rawValue))::text[],
                        \(fields.map(\.nextStep))::text[], \(fields.map(\.source))::text[], \(fields.map(\.closedOn))::date[],
                        \(fields.map(\.lostReason))::text[], \(entered)::timestamptz[], \(deals.map { moment($0.createdOn) })::timestamptz[])
                 AS x(id, e, a, n, k, s, am, cd, o, po, fo, ns, so, co, lr, en, cr)
            """)
        let team = zip(ids, fields).flatMap { id, f in f.team.map { (id, $0) } }
        try await db.query("""
            INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
            SELECT * FROM unnest(\(team.map(\.0))::bigint[], \(team.map(\.1.userId))::bigint[],
                                 \(team.map(\.1.role.rawValue))::text[], \(team.map(\.1.splitPercent.value))::numeric[])
            """)
        let steps = zip(ids, deals).flatMap { id, deal in
            deal.steps.enumerated().map { k, step in (id, k == 0 ? nil : deal.steps[k - 1].stageKey, step.stageKey, moment(step.on)) }
        }
        try await db.query("""
            INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, changed_at, amount, close_date,
                                                   probability, forecast_category)
            SELECT o.id, h.f, h.t, h.at, o.amount, o.close_date, s.probability, s.forecast_category
            FROM unnest(\(steps.map(\.0))::bigint[], \(steps.map(\.1))::text[], \(steps.map(\.2))::text[],
                        \(steps.map(\.3))::timestamptz[]) AS h(id, f, t, at)
            JOIN opportunities o ON o.id = h.id
            JOIN pipeline_stages s ON s.key = h.t
            """)
        return try await db.query("SELECT \(Self.columns) FROM \(Self.from) WHERE o.id = ANY(\(ids)) ORDER BY o.id").map(Self.record)
    }
}
