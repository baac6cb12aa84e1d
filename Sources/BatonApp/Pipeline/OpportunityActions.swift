import BatonCore
import Dates
import Foundation
import Postgres

/// An opportunity's fields as a writer sends them: every one optional, so that a
/// change names only what it changes.
struct OpportunityInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case accountId, name, kind, stage, amount, closeDate, ownerId, team, probability, forecastCategory,
            nextStep, source, closedOn, lostReason, externalId, keepOverride
    }
    static var nested: [String: any StrictDecodable.Type] { ["team": MemberInput.self] }
    /// Whose deal: its account and its owner.
    var accountId, ownerId: Int64?
    var name: String?
    var kind: OpportunityKind?
    var stage: String?
    var amount: Money?
    var closeDate: CalendarDate?
    var team: [MemberInput]?
    /// The person's overrides of the stage's probability and forecast category.
    var probability: DecimalString?
    var forecastCategory: ForecastCategory?
    var nextStep, source: String?
    /// A win's or a loss's date of record, and a loss's reason.
    var closedOn: CalendarDate?
    var lostReason: String?
    var externalId: String?
    /// Not a field of the deal: on a stage move, keep the probability and forecast
    /// category overrides instead of taking the new stage's defaults.
    var keepOverride: Bool?
}

extension OverrideRules.Replacement: KeepsEveryKey {}

/// A change's answer: the deal, and what a stage move replaced (said, never silent).
struct OpportunityChange: Versioned, Sendable, KeepsEveryKey {
    var record: OpportunityRecord
    var overrideReplaced: OverrideRules.Replacement?

    var id: Int64 { record.id }
    var version: Int { record.version }

    enum Key: String, CodingKey { case overrideReplaced }

    func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(overrideReplaced, forKey: .overrideReplaced)
    }
}

/// One person of a deal's team as a writer sends it.
struct MemberInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case userId, role, splitPercent }
    var userId: Int64
    var role: TeamRole
    var splitPercent: DecimalString

    var member: TeamMember { TeamMember(userId: userId, role: role, splitPercent: splitPercent.value) }
}

/// Everything a person can do to an opportunity, whoever asks (the API, the account
/// page's form, the pipeline board): each action checks who may, validates, writes
/// through the store and the audit trail inside the caller's transaction, and throws
/// typed errors.
struct OpportunityActions {
    let services: AppServices
    var store: OpportunityStore { services.opportunities }

    static var today: CalendarDate { Timestamp.now.calendarDate }

    /// What a new opportunity cannot do without.
    static func requireNewFields(_ input: OpportunityInput) throws {
        var v = Validator()
        v.check(input.accountId != nil, "accountId", "Account is required")
        v.check(input.name != nil, "name", "Name is required")
        v.check(input.stage != nil, "stage", "Stage is required")
        v.check(input.closeDate != nil, "closeDate", "Close date is required")
        v.check(input.keepOverride == nil, "keepOverride", "keepOverride is only for a change that moves the stage")
        try v.throwIfInvalid()
    }

    /// A new opportunity, owned by the caller unless the input names an owner in their line.
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
        let created = try await store.create(db, checked, by: caller.id)
        if stage.isWon { try await services.accounts.activateOnWin(db, accountID: created.accountId, by: caller.id) }
        return created
    }

    /// Changes the fields in `keys` and leaves the others alone: what both the API's
    /// PATCH and the pipeline board's stage moves do. Who may is judged before the
    /// version, so a refused caller hears 403 whatever their copy says.
    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: OpportunityInput, keys: Set<String>
    ) async throws -> OpportunityRecord {
        try await changeTelling(db, caller: caller, id: id, expected: expected, input: input, keys: keys).record
    }

    /// `change`, with what a stage move replaced: the API's answer and the board's notice.
    func changeTelling(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: OpportunityInput, keys: Set<String>
    ) async throws -> OpportunityChange {
        let before = try await writable(db, caller: caller, id: id, expected: expected) { standing in
            try DealChangeRights.checkChange(standing, fields: keys)
        }
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
        // A new stage brings its own probability and category unless this change sets
        // them or asks to keep the overrides; what it replaces is said.
        var replaced: OverrideRules.Replacement?
        if stageChanged {
            let outcome = OverrideRules.afterMove(
                to: stage, probabilityOverride: f.probabilityOverride, categoryOverride: f.categoryOverride,
                keep: input.keepOverride ?? false,
                setsProbability: keys.contains("probability"), setsCategory: keys.contains("forecastCategory"))
            f.probabilityOverride = outcome.probabilityOverride
            f.categoryOverride = outcome.categoryOverride
            replaced = outcome.replaced
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
        let after = try await store.update(db, before: before, to: f, teamChanged: keys.contains("team"), by: caller.id)
        // A renewal deal's outcome renews or ends its agreement, in this transaction.
        if stageChanged { try await AgreementActions(services: services).renewalDecided(db, after, won: stage.isWon, lost: stage.isLost, by: caller.id) }
        if stage.isWon, stageChanged || f.accountID != before.accountId {
            try await services.accounts.activateOnWin(db, accountID: f.accountID, by: caller.id)
        }
        return OpportunityChange(record: after, overrideReplaced: replaced)
    }

    /// Archives: the deal leaves the board, lists and reports; archiving twice changes nothing.
    func archive(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws {
        let o = try await writable(db, caller: caller, id: id, expected: expected) { try DealChangeRights.checkArchive($0) }
        if !o.archived { try await store.archive(db, o, by: caller.id) }
    }

    /// Brings an archived deal back, by whoever may archive it.
    func restore(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> OpportunityRecord {
        let o = try await writable(db, caller: caller, id: id, expected: expected) {
            try DealChangeRights.checkArchive($0, restoring: true)
        }
        return o.archived ? try await store.restore(db, o, by: caller.id) : o
    }

    /// The deal locked for a change: seen (else 404), by a pipeline writer (403),
    /// allowed by one of `DealChangeRights`' rules given the caller's standing (403),
    /// at the version the caller read (412).
    private func writable(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, _ rule: (Standing) throws -> Void
    ) async throws -> OpportunityRecord {
        guard let o = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
            throw APIError.notFound("opportunity")
        }
        try Scope.requireWriter(caller)
        try await requireRight(db, caller: caller, on: o, rule)
        try ETag.requireCurrent(expected, o.version)
        return o
    }

    /// Judges the caller's standing towards the deal with one of `DealChangeRights`' rules.
    private func requireRight(
        _ db: Connection, caller: Caller, on o: OpportunityRecord, _ rule: (Standing) throws -> Void
    ) async throws {
        let standing = try await Standings.opportunity(db, id: o.id, ownerID: o.ownerId, caller: caller)
        try ChangeRefused.enforce { try rule(standing) }
    }

    /// A won order that became a project stays won: the project is the firm's
    /// commitment to the client.
    private func refuseReopeningWithProject(_ db: Connection, opportunityID: Int64) async throws {
        if let projectID = try await store.projectMadeFrom(db, opportunityID: opportunityID) {
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
        let found = try await store.references(db, f, caller: caller, checkOwner: checkOwner, currentAccountID: currentAccountID)
        v.check(found.accountOK, "accountId", "Account must be an open account you can see")
        v.check(found.ownerOK, "ownerId", "Owner must be an active person in your reporting line")
        v.check(found.teamFound == f.team.count, "team", "Every team member must be an active person")
        try v.throwIfInvalid()
        if checkKind, f.kind.needsExistingCustomer,
            try await !services.accounts.hasWonBusiness(db, accountID: f.accountID, except: opportunityID)
        {
            throw ValidationFailure("kind", "\(f.kind == .expansion ? "Expansion" : "Renewal") needs an account that has already bought: this account has no won opportunity yet; use new_business")
        }
    }
}

extension OpportunityActions {
    /// Brings in deals with their history from before Baton (a firm leaving another
    /// CRM, the demo firm): an admin's work, each deal held to its own fields' rules
    /// (a refusal names the deal, `deals[3].amount`), written in a few statements with
    /// their teams and stage steps, and one create entry each in the audit trail. A
    /// step happened at 15:00 UTC of its day, never later than now.
    func recordHistory(_ db: Connection, caller: Caller, deals: [HistoricDeal]) async throws -> [OpportunityRecord] {
        try Scope.requireAdmin(caller)
        var v = Validator()
        v.checkEach(deals, as: "deals") { $0.check(into: &$1) }
        try v.throwIfInvalid()
        let today = Self.today, now = Timestamp.now
        let created = try await store.recordHistory(db, deals: deals) { day in
            min(now, Timestamp(microsecondsSinceEpoch: Int64(min(day, today).daysSinceEpoch) * 86_400_000_000 + 15 * 3_600_000_000))
        }
        try await AuditTrail.created(db, actorID: caller.id, entity: "opportunity", records: created.map { ($0.id, $0.auditSnapshot) })
        return created
    }
}
