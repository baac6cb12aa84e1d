import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/opportunities`: the deals being worked, moved through the stages.
struct OpportunityRoutes {
    let services: AppServices
    var store: OpportunityStore { services.opportunities }

    struct OpportunityInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable {
            case accountId, name, kind, stage, amount, closeDate, ownerId, team, probability, forecastCategory,
                nextStep, source, closedOn, lostReason, externalId
        }
        static var nested: [String: any StrictDecodable.Type] { ["team": MemberInput.self] }
        var accountId: Int64?
        var name: String?
        var kind: OpportunityKind?
        var stage: String?
        var amount: Money?
        var closeDate: CalendarDate?
        var ownerId: Int64?
        var team: [MemberInput]?
        var probability: DecimalString?
        var forecastCategory: ForecastCategory?
        var nextStep: String?
        var source: String?
        var closedOn: CalendarDate?
        var lostReason: String?
        var externalId: String?
    }

    struct MemberInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case userId, role, splitPercent }
        var userId: Int64
        var role: TeamRole
        var splitPercent: DecimalString

        var member: TeamMember { TeamMember(userId: userId, role: role, splitPercent: splitPercent.value) }
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("opportunities") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let page = try PageRequest(request)
            let q = QueryParameters(request)
            let filter = OpportunityStore.Filter(
                accountID: try q.id("accountId"), ownerID: try q.id("ownerId"), stage: q.string("stage"),
                closingFrom: try q.date("closingFrom"), closingTo: try q.date("closingTo"), text: q.string("q"),
                includeArchived: try q.bool("includeArchived") ?? false)
            return try APIResponse.json(try await services.pool.withConnection {
                try await store.list($0, visibleTo: caller, filter: filter, page: page)
            }).response
        }
        api.post("opportunities") { request, context in try await create(request, context).response }
        api.get("opportunities/:id") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            guard let o = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller) }) else {
                throw APIError.notFound("opportunity")
            }
            return try APIResponse.json(o, headers: ETag.headers(o.version)).response
        }
        api.get("opportunities/:id/history") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            let history = try await services.pool.withConnection { db in
                guard try await store.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("opportunity") }
                return try await store.history(db, opportunityID: id)
            }
            return try APIResponse.json(Page(fetched: history, limit: history.count) { [String($0.id)] }).response
        }
        api.patch("opportunities/:id") { request, context in try await update(request, context).response }
        api.delete("opportunities/:id") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            let expected = try ETag.expectedVersion(request)
            try await services.pool.withTransaction { db in
                guard let o = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                    throw APIError.notFound("opportunity")
                }
                try Scope.requireWriter(caller)
                try await requireRight(db, caller: caller, on: o) { try DealChangeRights.checkArchive($0) }
                if let expected, expected != o.version { throw APIError.preconditionFailed(current: o.version) }
                if !o.archived { try await store.archive(db, o, by: caller.id) }
            }
            return Response(status: .noContent)
        }
        api.post("opportunities/:id/restore") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            let expected = try ETag.expectedVersion(request)
            let restored = try await services.pool.withTransaction { db in
                guard let o = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                    throw APIError.notFound("opportunity")
                }
                try Scope.requireWriter(caller)
                try await requireRight(db, caller: caller, on: o) { try DealChangeRights.checkArchive($0, restoring: true) }
                if let expected, expected != o.version { throw APIError.preconditionFailed(current: o.version) }
                return o.archived ? try await store.restore(db, o, by: caller.id) : o
            }
            return try APIResponse.json(restored, headers: ETag.headers(restored.version)).response
        }
    }

    /// Judges the caller's standing towards the deal with one of `DealChangeRights`' rules.
    private func requireRight(
        _ db: Connection, caller: Caller, on o: OpportunityRecord, _ rule: (Standing) throws -> Void
    ) async throws {
        let standing = try await Standings.opportunity(db, id: o.id, ownerID: o.ownerId, caller: caller)
        try ChangeRefused.enforce { try rule(standing) }
    }

    func create(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireWriter(caller)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(OpportunityInput.self, from: body)
        try Self.requireNewFields(input)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let created = try await create(db, caller: caller, input: input)
                var headers = ETag.headers(created.version)
                headers[.location] = "/api/v1/opportunities/\(created.id)"
                return try .json(created, status: .created, headers: headers)
            }
        }
    }

    /// What a new opportunity cannot do without.
    static func requireNewFields(_ input: OpportunityInput) throws {
        var v = Validator()
        v.check(input.accountId != nil, "accountId", "Account is required")
        v.check(input.name != nil, "name", "Name is required")
        v.check(input.stage != nil, "stage", "Stage is required")
        v.check(input.closeDate != nil, "closeDate", "Close date is required")
        try v.throwIfInvalid()
    }

    /// A new opportunity, inside the caller's transaction: what both `POST /opportunities`
    /// and the account page's form do.
    func create(_ db: Connection, caller: Caller, input: OpportunityInput) async throws -> OpportunityRecord {
        try Scope.requireWriter(caller)
        try Self.requireNewFields(input)
        guard let accountID = input.accountId, let name = input.name, let stageKey = input.stage, let closeDate = input.closeDate
        else { throw APIError.internalError }
        var v = Validator()
        guard let stage = try await services.stages.find(db, key: stageKey) else {
            throw ValidationFailure("stage", "Stage must be one of the pipeline's stage keys (GET /api/v1/pipeline-stages)")
        }
        let ownerID = input.ownerId ?? caller.id
        let closing = StageRules.closing(to: stage.stage, closedOn: input.closedOn, lostReason: input.lostReason,
                                         today: Self.today, into: &v)
        let fields = OpportunityFields(
            accountID: accountID, name: name.trimmed, kind: input.kind ?? .newBusiness, stage: stage.stage,
            amount: input.amount?.amount ?? 0, closeDate: closeDate, ownerID: ownerID,
            team: TeamRules.team(input.team?.map(\.member), ownerID: ownerID),
            probabilityOverride: input.probability?.value, categoryOverride: input.forecastCategory,
            nextStep: input.nextStep?.trimmed.nilIfEmpty, source: input.source?.trimmed.nilIfEmpty,
            closedOn: closing.closedOn, lostReason: closing.lostReason, externalID: input.externalId?.trimmed.nilIfEmpty)
        fields.check(into: &v)
        try v.throwIfInvalid()
        var checked = fields
        checked.externalID = try await ExternalIDGuard.externalIDToStore(
            db, given: input.externalId, kind: .opportunities, use: .create, current: nil, caller: caller)
        try await checkReferences(db, checked, caller: caller, opportunityID: nil, checkKind: true, checkOwner: true)
        return try await store.create(db, checked, by: caller.id)
    }

    func update(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(OpportunityInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
        return try .json(updated, headers: ETag.headers(updated.version))
    }

    /// One change to an opportunity, inside the caller's transaction: what both the
    /// API's PATCH and the pipeline board's stage moves do.
    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: OpportunityInput, keys: Set<String>
    ) async throws -> OpportunityRecord {
        guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
            throw APIError.notFound("opportunity")
        }
        try Scope.requireWriter(caller)
        try await requireRight(db, caller: caller, on: before) { standing throws in
            try DealChangeRights.checkChange(standing, fields: keys)
        }
        if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
        guard let currentStage = try await services.stages.find(db, key: before.stage) else { throw APIError.internalError }
        var v = Validator()
        var stage = currentStage.stage
        if keys.contains("stage") {
            if let key = input.stage, let s = try await services.stages.find(db, key: key) { stage = s.stage }
            else { v.add("stage", "Stage must be one of the pipeline's stage keys (GET /api/v1/pipeline-stages)") }
        }
        let stageChanged = stage.key != before.stage
        var f = OpportunityFields(
            accountID: before.accountId, name: before.name, kind: before.kind, stage: stage, amount: before.amount.amount,
            closeDate: before.closeDate, ownerID: before.ownerId, team: before.team,
            probabilityOverride: before.probabilityOverridden ? before.probability.value : nil,
            categoryOverride: before.forecastCategoryOverridden ? before.forecastCategory : nil,
            nextStep: before.nextStep, source: before.source, closedOn: before.wonOn ?? before.lostOn,
            lostReason: before.lostReason, externalID: before.externalId)
        func required<T>(_ field: String, _ value: T?, _ set: (T) -> Void) {
            guard keys.contains(field) else { return }
            if let value { set(value) } else { v.add(field, "\(field) must not be null") }
        }
        required("accountId", input.accountId) { f.accountID = $0 }
        required("name", input.name) { f.name = $0.trimmed }
        required("kind", input.kind) { f.kind = $0 }
        required("amount", input.amount) { f.amount = $0.amount }
        required("closeDate", input.closeDate) { f.closeDate = $0 }
        required("ownerId", input.ownerId) { f.ownerID = $0 }
        required("team", input.team) { f.team = $0.map(\.member) }
        if keys.contains("nextStep") { f.nextStep = input.nextStep?.trimmed.nilIfEmpty }
        if keys.contains("source") { f.source = input.source?.trimmed.nilIfEmpty }
        // A new stage brings its own probability and category unless this change sets them.
        if stageChanged {
            f.probabilityOverride = nil
            f.categoryOverride = nil
        }
        if keys.contains("probability") { f.probabilityOverride = input.probability?.value }
        if keys.contains("forecastCategory") { f.categoryOverride = input.forecastCategory }
        if stageChanged || keys.contains("closedOn") || keys.contains("lostReason") {
            let closing = StageRules.closing(
                to: stage, closedOn: keys.contains("closedOn") ? input.closedOn : (stageChanged ? nil : f.closedOn),
                lostReason: keys.contains("lostReason") ? input.lostReason : (stageChanged ? nil : f.lostReason),
                today: Self.today, into: &v)
            f.closedOn = closing.closedOn
            f.lostReason = closing.lostReason
        }
        f.check(into: &v)
        try v.throwIfInvalid()
        if keys.contains("externalId") {
            f.externalID = try await ExternalIDGuard.externalIDToStore(
                db, given: input.externalId, kind: .opportunities, use: .update(recordID: id), current: before.externalId, caller: caller)
        }
        if stageChanged, currentStage.isWon {
            try await refuseReopeningWithProject(db, opportunityID: id)
        }
        try await checkReferences(db, f, caller: caller, opportunityID: id,
                                  checkKind: keys.contains("kind") || keys.contains("accountId"),
                                  checkOwner: keys.contains("ownerId") && f.ownerID != before.ownerId,
                                  currentAccountID: before.accountId)
        return try await store.update(db, before: before, to: f, teamChanged: keys.contains("team"), by: caller.id)
    }

    static var today: CalendarDate { Timestamp.now.calendarDate }

    /// A won order that became a project stays won: the project is the firm's
    /// commitment to the client.
    private func refuseReopeningWithProject(_ db: Connection, opportunityID: Int64) async throws {
        if let project = try await db.query("SELECT id FROM projects WHERE opportunity_id = \(opportunityID) LIMIT 1").first {
            let projectID: Int64 = try project.decode("id")
            throw APIError.conflict("This won opportunity became project \(projectID); it cannot be reopened. Cancel the project instead.",
                                    code: "has-project")
        }
    }

    /// The account must be visible and open; the owner and team must be active
    /// people (a new owner within the caller's line); expansion and renewal need an
    /// account that has bought before.
    private func checkReferences(
        _ db: Connection, _ f: OpportunityFields, caller: Caller, opportunityID: Int64?, checkKind: Bool, checkOwner: Bool,
        currentAccountID: Int64? = nil
    ) async throws {
        var v = Validator()
        let row = try await db.expectRow("""
            SELECT
                EXISTS (SELECT 1 FROM accounts a WHERE a.id = \(f.accountID) AND \(Scope.accounts(caller))
                        AND (a.archived_at IS NULL OR a.id = \(currentAccountID))) AS account_ok,
                NOT \(checkOwner) OR EXISTS (SELECT 1 FROM users u WHERE u.id = \(f.ownerID) AND u.active AND \(UserStore.scope(caller))) AS owner_ok,
                (SELECT count(*) FROM users WHERE id = ANY(\(f.team.map(\.userId))::bigint[]) AND active) AS team_found
            """)
        v.check(try row.decode("account_ok"), "accountId", "Account must be an open account you can see")
        v.check(try row.decode("owner_ok"), "ownerId", "Owner must be an active person in your reporting line")
        v.check(try row.decode("team_found", as: Int.self) == f.team.count, "team", "Every team member must be an active person")
        try v.throwIfInvalid()
        if checkKind, f.kind.needsExistingCustomer,
            try await !services.accounts.hasWonBusiness(db, accountID: f.accountID, except: opportunityID)
        {
            throw ValidationFailure("kind", "\(f.kind == .expansion ? "Expansion" : "Renewal") needs an account that has already bought: this account has no won opportunity yet; use new_business")
        }
    }
}
