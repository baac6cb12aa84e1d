import BatonCore
import Foundation
import Postgres

/// An account's fields as a writer sends them: every one optional, so that a change
/// names only what it changes.
struct AccountInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case name, domain, industry, ownerId, parentId, status, address, externalId
    }
    static var nested: [String: any StrictDecodable.Type] { ["address": Address.self] }
    var name, domain, industry: String?
    var ownerId, parentId: Int64?
    var status: AccountStatus?
    var address: Address?
    var externalId: String?
}

/// Everything a person can do to an account, whoever asks (the API, a page, the
/// command line): each action checks who may, validates, writes through the store
/// and the audit trail, inside the caller's transaction, and throws typed errors.
struct AccountActions: RecordActions {
    let services: AppServices
    var store: AccountStore { services.accounts }

    /// A new account, owned by the caller unless the input names an owner in their line.
    func create(_ db: Connection, caller: Caller, input: AccountInput) async throws -> AccountRecord {
        try Scope.requireWriter(caller)
        var v = Validator(required: [(input.name != nil, "name", "Name is required")])
        let fields = AccountFields(
            name: input.name?.trimmed ?? "", domain: input.domain.map(\.normalisedDomain).flatMap { $0.isEmpty ? nil : $0 },
            industry: input.industry?.trimmed.nilIfEmpty, ownerID: input.ownerId ?? caller.id, parentID: input.parentId,
            status: input.status ?? .prospect, address: input.address ?? Address(), externalID: input.externalId?.trimmed.nilIfEmpty)
        if input.name != nil { fields.check(into: &v) }
        try v.throwIfInvalid()
        var checked = fields
        checked.externalID = try await ExternalIDGuard.externalIDToStore(
            db, given: input.externalId, kind: .accounts, use: .create, current: nil, caller: caller)
        try await checkReferences(db, checked, caller: caller)
        return try await store.create(db, checked, by: caller.id)
    }

    /// Changes the fields in `keys` and leaves the others alone. Who may is judged
    /// before the version, so a refused caller hears 403 whatever their copy says.
    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: AccountInput, keys: Set<String>
    ) async throws -> AccountRecord {
        let before = try await writable(db, caller: caller, id: id, expected: expected) { standing, account in
            try AccountChangeRights.checkChange(standing, hasOwner: account.ownerId != nil)
        }
        var f = AccountFields(
            name: before.name, domain: before.domain, industry: before.industry, ownerID: before.ownerId,
            parentID: before.parentId, status: before.status, address: before.address, externalID: before.externalId)
        var v = Validator()
        if keys.contains("name") {
            if let name = input.name { f.name = name.trimmed } else { v.add("name", "Name must not be null") }
        }
        if keys.contains("domain") { f.domain = input.domain.map(\.normalisedDomain).flatMap { $0.isEmpty ? nil : $0 } }
        if keys.contains("industry") { f.industry = input.industry?.trimmed.nilIfEmpty }
        if keys.contains("ownerId") { f.ownerID = input.ownerId }
        if keys.contains("parentId") { f.parentID = input.parentId }
        if keys.contains("status") {
            if let status = input.status { f.status = status } else { v.add("status", "Status must not be null") }
        }
        if keys.contains("address") { f.address = input.address ?? Address() }
        f.check(into: &v)
        if f.parentID == id { v.add("parentId", "An account cannot be its own parent") }
        try v.throwIfInvalid()
        if keys.contains("externalId") {
            f.externalID = try await ExternalIDGuard.externalIDToStore(
                db, given: input.externalId, kind: .accounts, use: .update(recordID: id), current: before.externalId, caller: caller)
        }
        if keys.contains("ownerId") || keys.contains("parentId") { try await checkReferences(db, f, caller: caller) }
        return try await store.update(db, before: before, to: f, by: caller.id)
    }

    /// Archives: the account leaves lists and searches; archiving twice changes nothing.
    func archive(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws {
        let account = try await writable(db, caller: caller, id: id, expected: expected) { standing, _ in
            try AccountChangeRights.checkArchive(standing)
        }
        if !account.archived { try await store.archive(db, account, by: caller.id) }
    }

    /// Brings an archived account back, by whoever may archive it.
    func restore(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> AccountRecord {
        let account = try await writable(db, caller: caller, id: id, expected: expected) { standing, _ in
            try AccountChangeRights.checkArchive(standing, restoring: true)
        }
        return account.archived ? try await store.restore(db, account, by: caller.id) : account
    }

    /// The account locked for a change: seen (else 404), by a pipeline writer (403),
    /// allowed by `rule` given the caller's standing (403), at the version the caller
    /// read (412).
    private func writable(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?,
        _ rule: (Standing, AccountRecord) throws -> Void
    ) async throws -> AccountRecord {
        guard let account = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
            throw APIError.notFound("account")
        }
        try Scope.requireWriter(caller)
        let standing = try await Standings.owned(db, ownerID: account.ownerId, caller: caller)
        try ChangeRefused.enforce { try rule(standing, account) }
        try ETag.requireCurrent(expected, account.version)
        return account
    }

    /// An owner must be a real, active person within the caller's line (any person for
    /// an admin); a parent must be an account the caller can see.
    private func checkReferences(_ db: Connection, _ f: AccountFields, caller: Caller) async throws {
        var v = Validator()
        if let owner = f.ownerID {
            let ok: Bool = try await db.expectRow("""
                SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = \(owner) AND u.active AND \(UserStore.scope(caller))) AS ok
                """).decode("ok")
            v.check(ok, "ownerId", "Owner must be an active person in your reporting line")
        }
        if let parent = f.parentID {
            let ok: Bool = try await db.expectRow("""
                SELECT EXISTS (SELECT 1 FROM accounts a WHERE a.id = \(parent) AND \(Scope.accounts(caller))) AS ok
                """).decode("ok")
            v.check(ok, "parentId", "Parent must be an account you can see")
        }
        try v.throwIfInvalid()
    }
}
