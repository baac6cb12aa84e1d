import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/activities`: calls, meetings, emails, notes and tasks.
struct ActivityRoutes {
    let services: AppServices
    var store: ActivityStore { services.activities }

    struct ActivityInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable {
            case kind, subject, body, accountId, contactId, opportunityId, projectId, ownerId, dueAt, doneAt
        }
        var kind: ActivityKind?
        var subject: String?
        var body: String?
        var accountId: Int64?
        var contactId: Int64?
        var opportunityId: Int64?
        var projectId: Int64?
        var ownerId: Int64?
        var dueAt: Timestamp?
        var doneAt: Timestamp?
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("activities") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let page = try PageRequest(request)
            let q = QueryParameters(request)
            let filter = ActivityStore.Filter(
                accountID: try q.id("accountId"), opportunityID: try q.id("opportunityId"), projectID: try q.id("projectId"),
                ownerID: try q.id("ownerId"), open: try q.bool("open") ?? false)
            return try APIResponse.json(try await services.pool.withConnection {
                try await store.list($0, visibleTo: caller, filter: filter, page: page)
            }).response
        }
        api.post("activities") { request, context in try await create(request, context).response }
        api.get("activities/:id") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            guard let activity = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller) }) else {
                throw APIError.notFound("activity")
            }
            return try APIResponse.json(activity, headers: ETag.headers(activity.version)).response
        }
        api.patch("activities/:id") { request, context in try await update(request, context).response }
        api.delete("activities/:id") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            let expected = try ETag.expectedVersion(request)
            try await services.pool.withTransaction { db in
                guard let activity = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                    throw APIError.notFound("activity")
                }
                try await requireRight(db, caller: caller, on: activity)
                if let expected, expected != activity.version { throw APIError.preconditionFailed(current: activity.version) }
                if !activity.archived { try await store.archive(db, activity, by: caller.id) }
            }
            return Response(status: .noContent)
        }
    }

    func create(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(ActivityInput.self, from: body)
        var v = Validator()
        v.check(input.kind != nil, "kind", "Kind is required: call, meeting, email, note or task")
        v.check(input.subject != nil, "subject", "Subject is required")
        v.check(input.accountId != nil, "accountId", "Account is required")
        let fields = ActivityFields(
            kind: input.kind ?? .note, subject: input.subject?.trimmed ?? "", body: input.body, accountID: input.accountId ?? 0,
            contactID: input.contactId, opportunityID: input.opportunityId, projectID: input.projectId,
            ownerID: input.ownerId ?? caller.id, dueAt: input.dueAt, doneAt: input.doneAt)
        if input.subject != nil { fields.check(into: &v) }
        try v.throwIfInvalid()
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                try await checkLinks(db, fields, caller: caller, ownerChanged: fields.ownerID != caller.id)
                let activity = try await store.create(db, fields, by: caller.id)
                var headers = ETag.headers(activity.version)
                headers[.location] = "/api/v1/activities/\(activity.id)"
                return try .json(activity, status: .created, headers: headers)
            }
        }
    }

    func update(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(ActivityInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                throw APIError.notFound("activity")
            }
            try await requireRight(db, caller: caller, on: before)
            if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
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
            return try await store.update(db, before: before, to: f, by: caller.id)
        }
        return try .json(updated, headers: ETag.headers(updated.version))
    }

    /// An activity is changed by its owner, the managers above them and admins.
    private func requireRight(_ db: Connection, caller: Caller, on activity: ActivityRecord) async throws {
        let standing = try await Standings.owned(db, ownerID: activity.ownerId, caller: caller)
        try ChangeRefused.enforce { try ActivityChangeRights.checkChange(standing) }
    }

    /// The account must be visible; a contact or opportunity must belong to it; the
    /// owner must be an active person, and one given to someone else must go to
    /// someone in the caller's reporting line (anyone, for an admin).
    private func checkLinks(_ db: Connection, _ f: ActivityFields, caller: Caller, ownerChanged: Bool) async throws {
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
