import BatonCore
import Dates
import Foundation
import Postgres

/// An activity's fields as a writer sends them.
struct ActivityInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case kind, subject, body, accountId, contactId, opportunityId, projectId, ownerId, dueAt, doneAt
    }
    var kind: ActivityKind?
    var subject: String?
    var body: String?
    var accountId, contactId, opportunityId, projectId, ownerId: Int64?
    var dueAt, doneAt: Timestamp?
}

/// Everything a person can do to an activity (a call, a meeting, a task), whoever
/// asks: anyone who reads the pipeline logs one on an account they see; its owner,
/// the managers above them and admins change it.
struct ActivityActions: RecordActions {
    let services: AppServices
    var store: ActivityStore { services.activities }

    func create(_ db: Connection, caller: Caller, input: ActivityInput) async throws -> ActivityRecord {
        try Scope.requireReader(caller)
        var v = Validator(required: [
            (input.kind != nil, "kind", "Kind is required: call, meeting, email, note or task"),
            (input.subject != nil, "subject", "Subject is required"), (input.accountId != nil, "accountId", "Account is required"),
        ])
        let fields = ActivityFields(
            kind: input.kind ?? .note, subject: input.subject?.trimmed ?? "", body: input.body, accountID: input.accountId ?? 0,
            contactID: input.contactId, opportunityID: input.opportunityId, projectID: input.projectId,
            ownerID: input.ownerId ?? caller.id, dueAt: input.dueAt, doneAt: input.doneAt)
        if input.subject != nil { fields.check(into: &v) }
        try v.throwIfInvalid()
        try await checkLinks(db, fields, caller: caller, ownerChanged: fields.ownerID != caller.id)
        let made = try await store.create(db, fields, by: caller.id)
        try await NotificationEvents.taskAssigned(db, made, by: caller.id)
        return made
    }

    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: ActivityInput, keys: Set<String>
    ) async throws -> ActivityRecord {
        let before = try await writable(db, caller: caller, id: id, expected: expected)
        var f = ActivityFields(
            kind: before.kind, subject: before.subject, body: before.body, accountID: before.accountId,
            contactID: before.contactId, opportunityID: before.opportunityId, projectID: before.projectId,
            ownerID: before.ownerId, dueAt: before.dueAt, doneAt: before.doneAt)
        var v = Validator()
        if keys.contains("kind") { if let k = input.kind { f.kind = k } else { v.add("kind", "Kind must not be null") } }
        if keys.contains("subject") { if let s = input.subject { f.subject = s.trimmed } else { v.add("subject", "Subject must not be null") } }
        if keys.contains("body") { f.body = input.body }
        if keys.contains("accountId") { if let a = input.accountId { f.accountID = a } else { v.add("accountId", "Account must not be null") } }
        if keys.contains("contactId") { f.contactID = input.contactId }
        if keys.contains("opportunityId") { f.opportunityID = input.opportunityId }
        if keys.contains("projectId") { f.projectID = input.projectId }
        if keys.contains("ownerId") { if let o = input.ownerId { f.ownerID = o } else { v.add("ownerId", "Owner must not be null") } }
        if keys.contains("dueAt") { f.dueAt = input.dueAt }
        if keys.contains("doneAt") { f.doneAt = input.doneAt }
        f.check(into: &v)
        try v.throwIfInvalid()
        try await checkLinks(db, f, caller: caller, ownerChanged: f.ownerID != before.ownerId)
        let changed = try await store.update(db, before: before, to: f, by: caller.id)
        if changed.ownerId != before.ownerId || (changed.kind == .task && before.kind != .task) {
            try await NotificationEvents.taskAssigned(db, changed, by: caller.id)
        }
        return changed
    }

    func archive(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws {
        let activity = try await writable(db, caller: caller, id: id, expected: expected)
        if !activity.archived { try await store.archive(db, activity, by: caller.id) }
    }

    /// The activity locked for a change: seen (404), by its owner, a manager above
    /// them or an admin (403), at the version the caller read (412).
    private func writable(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> ActivityRecord {
        try Scope.requireReader(caller)
        guard let activity = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
            throw APIError.notFound("activity")
        }
        let standing = try await Standings.owned(db, ownerID: activity.ownerId, caller: caller)
        try ChangeRefused.enforce { try ActivityChangeRights.checkChange(standing) }
        try ETag.requireCurrent(expected, activity.version)
        return activity
    }

    /// The account must be visible; a contact, opportunity or project must belong to
    /// it; the owner must be an active person, and one given to someone else must go
    /// to someone in the caller's reporting line (anyone, for an admin).
    private func checkLinks(_ db: Connection, _ f: ActivityFields<Timestamp>, caller: Caller, ownerChanged: Bool) async throws {
        var v = Validator()
        let row = try await db.expectRow("""
            SELECT
                EXISTS (SELECT 1 FROM accounts a WHERE a.id = \(f.accountID) AND \(Scope.accounts(caller))) AS account_ok,
                \(f.contactID)::bigint IS NULL OR EXISTS (SELECT 1 FROM contacts WHERE id = \(f.contactID) AND account_id = \(f.accountID)) AS contact_ok,
                \(f.opportunityID)::bigint IS NULL OR EXISTS (SELECT 1 FROM opportunities WHERE id = \(f.opportunityID) AND account_id = \(f.accountID)) AS opportunity_ok,
                \(f.projectID)::bigint IS NULL OR EXISTS (SELECT 1 FROM projects WHERE id = \(f.projectID) AND account_id = \(f.accountID)) AS project_ok,
                EXISTS (SELECT 1 FROM users u WHERE u.id = \(f.ownerID) AND u.active
                        AND (NOT \(ownerChanged) OR \(UserStore.scope(caller)))) AS owner_ok
            """)
        v.check(try row.decode("account_ok"), "accountId", "Account must be an account you can see")
        v.check(try row.decode("contact_ok"), "contactId", "Contact must be a contact at the same account")
        v.check(try row.decode("opportunity_ok"), "opportunityId", "Opportunity must be one of the same account's")
        v.check(try row.decode("project_ok"), "projectId", "Project must be one of the same account's")
        v.check(try row.decode("owner_ok"), "ownerId", "Owner must be an active person in your reporting line")
        try v.throwIfInvalid()
    }
}

/// An activity as it happened before Baton: its fields and when it was recorded.
struct HistoricActivity: Sendable {
    var fields: ActivityFields<Timestamp>
    var createdAt: Timestamp
}

extension ActivityActions {
    /// Brings in activities from before Baton (a firm leaving another CRM, the demo
    /// firm): an admin's work, each held to its own fields' rules (a refusal names
    /// the activity, `activities[3].subject`), written in one statement and recorded
    /// as created in the audit trail.
    func recordHistory(_ db: Connection, caller: Caller, activities: [HistoricActivity]) async throws -> [ActivityRecord] {
        try Scope.requireAdmin(caller)
        var v = Validator()
        v.checkEach(activities, as: "activities") { $0.fields.check(into: &$1) }
        try v.throwIfInvalid()
        let made = try await store.recordHistory(db, activities)
        try await AuditTrail.created(db, actorID: caller.id, entity: "activity", records: made.map { ($0.id, .of($0)) })
        return made
    }
}
