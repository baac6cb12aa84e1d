import BatonCore
import Foundation
import HTTPTypes
import Postgres

/// A contact's fields as a writer sends them.
struct ContactInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case accountId, name, email, phone, title, buyingRole, doNotContact, externalId
    }
    var accountId: Int64?
    var name, email, phone, title: String?
    var buyingRole: BuyingRole?
    var doNotContact: Bool?
    var externalId: String?
}

/// Everything a person can do to a contact, whoever asks. Contacts are the
/// pipeline's working material: any pipeline writer who sees the account keeps them.
struct ContactActions: RecordActions {
    let services: AppServices
    var store: ContactStore { services.contacts }

    func create(_ db: Connection, caller: Caller, input: ContactInput) async throws -> ContactRecord {
        try Scope.requireWriter(caller)
        var v = Validator(required: [(input.accountId != nil, "accountId", "Account is required"), (input.name != nil, "name", "Name is required")])
        let fields = ContactFields(
            accountID: input.accountId ?? 0, name: input.name?.trimmed ?? "", email: input.email?.trimmed.nilIfEmpty,
            phone: input.phone?.trimmed.nilIfEmpty, title: input.title?.trimmed.nilIfEmpty, buyingRole: input.buyingRole,
            doNotContact: input.doNotContact ?? false, externalID: input.externalId?.trimmed.nilIfEmpty)
        if input.name != nil { fields.check(into: &v) }
        try v.throwIfInvalid()
        var checked = fields
        checked.externalID = try await ExternalIDGuard.externalIDToStore(
            db, given: input.externalId, kind: .contacts, use: .create, current: nil, caller: caller)
        try await checkAccount(db, checked, caller: caller, except: nil)
        return try await store.create(db, checked, by: caller.id)
    }

    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: ContactInput, keys: Set<String>
    ) async throws -> ContactRecord {
        let before = try await writable(db, caller: caller, id: id, expected: expected)
        var f = ContactFields(
            accountID: before.accountId, name: before.name, email: before.email, phone: before.phone, title: before.title,
            buyingRole: before.buyingRole, doNotContact: before.doNotContact, externalID: before.externalId)
        var v = Validator()
        if keys.contains("accountId") {
            if let account = input.accountId { f.accountID = account } else { v.add("accountId", "Account must not be null") }
        }
        if keys.contains("name") {
            if let name = input.name { f.name = name.trimmed } else { v.add("name", "Name must not be null") }
        }
        if keys.contains("email") { f.email = input.email?.trimmed.nilIfEmpty }
        if keys.contains("phone") { f.phone = input.phone?.trimmed.nilIfEmpty }
        if keys.contains("title") { f.title = input.title?.trimmed.nilIfEmpty }
        if keys.contains("buyingRole") { f.buyingRole = input.buyingRole }
        if keys.contains("doNotContact") {
            if let flag = input.doNotContact { f.doNotContact = flag } else { v.add("doNotContact", "Do not contact must be true or false") }
        }
        f.check(into: &v)
        try v.throwIfInvalid()
        if keys.contains("externalId") {
            f.externalID = try await ExternalIDGuard.externalIDToStore(
                db, given: input.externalId, kind: .contacts, use: .update(recordID: id), current: before.externalId, caller: caller)
        }
        try await checkAccount(db, f, caller: caller, except: id)
        return try await store.update(db, before: before, to: f, by: caller.id)
    }

    func archive(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws {
        let contact = try await writable(db, caller: caller, id: id, expected: expected)
        if !contact.archived { try await store.archive(db, contact, by: caller.id) }
    }

    /// The contact locked for a change: seen (404), by a pipeline writer (403), at
    /// the version the caller read (412).
    private func writable(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> ContactRecord {
        guard let contact = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
            throw APIError.notFound("contact")
        }
        try Scope.requireWriter(caller)
        try ETag.requireCurrent(expected, contact.version)
        return contact
    }

    /// The account must be visible, and no other live contact there may have the email.
    private func checkAccount(_ db: Connection, _ f: ContactFields, caller: Caller, except: Int64?) async throws {
        guard try await services.accounts.find(db, id: f.accountID, visibleTo: caller) != nil else {
            throw ValidationFailure("accountId", "Account must be an account you can see")
        }
        if let email = f.email, let existing = try await store.withEmail(db, accountID: f.accountID, email: email, except: except) {
            throw APIError(.conflict, code: "contact-exists", title: "Contact already exists",
                           detail: "\(existing.name) (contact \(existing.id)) already has the email \(email) at this account; update that contact instead.",
                           errors: [FieldError("email", "\(existing.name) (contact \(existing.id)) already has this email")])
        }
    }
}

extension String {
    /// nil for an empty string: optional text fields store NULL, not "".
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
