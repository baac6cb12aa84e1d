import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/contacts`: the people at each account.
struct ContactRoutes {
    let services: AppServices
    var store: ContactStore { services.contacts }

    struct ContactInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable {
            case accountId, name, email, phone, title, buyingRole, doNotContact, externalId
        }
        var accountId: Int64?
        var name: String?
        var email: String?
        var phone: String?
        var title: String?
        var buyingRole: BuyingRole?
        var doNotContact: Bool?
        var externalId: String?
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("contacts") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let page = try PageRequest(request)
            let q = QueryParameters(request)
            let filter = ContactStore.Filter(accountID: try q.id("accountId"), text: q.string("q"),
                                             includeArchived: try q.bool("includeArchived") ?? false)
            return try APIResponse.json(try await services.pool.withConnection {
                try await store.list($0, visibleTo: caller, filter: filter, page: page)
            }).response
        }
        api.post("contacts") { request, context in try await create(request, context).response }
        api.get("contacts/:id") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            guard let contact = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller) }) else {
                throw APIError.notFound("contact")
            }
            return try APIResponse.json(contact, headers: ETag.headers(contact.version)).response
        }
        api.patch("contacts/:id") { request, context in try await update(request, context).response }
        api.delete("contacts/:id") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            let expected = try ETag.expectedVersion(request)
            try await services.pool.withTransaction { db in
                guard let contact = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                    throw APIError.notFound("contact")
                }
                try Scope.requireWriter(caller)
                if let expected, expected != contact.version { throw APIError.preconditionFailed(current: contact.version) }
                if !contact.archived { try await store.archive(db, contact, by: caller.id) }
            }
            return Response(status: .noContent)
        }
    }

    func create(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireWriter(caller)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(ContactInput.self, from: body)
        let fields = try newFields(input)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let contact = try await create(db, fields, caller: caller)
                var headers = ETag.headers(contact.version)
                headers[.location] = "/api/v1/contacts/\(contact.id)"
                return try .json(contact, status: .created, headers: headers)
            }
        }
    }

    /// A new contact's checked fields: what both `POST /contacts` and the account
    /// page's form create from.
    func newFields(_ input: ContactInput) throws -> ContactFields {
        var v = Validator()
        v.check(input.accountId != nil, "accountId", "Account is required")
        v.check(input.name != nil, "name", "Name is required")
        let fields = ContactFields(
            accountID: input.accountId ?? 0, name: input.name?.trimmed ?? "", email: input.email?.trimmed.nilIfEmpty,
            phone: input.phone?.trimmed.nilIfEmpty, title: input.title?.trimmed.nilIfEmpty, buyingRole: input.buyingRole,
            doNotContact: input.doNotContact ?? false, externalID: input.externalId?.trimmed.nilIfEmpty)
        if input.name != nil { fields.check(into: &v) }
        try v.throwIfInvalid()
        return fields
    }

    /// Creates a contact inside the caller's transaction, once its account passes and
    /// no other contact there has its email.
    func create(_ db: Connection, _ fields: ContactFields, caller: Caller) async throws -> ContactRecord {
        try Scope.requireWriter(caller)
        try await checkAccount(db, fields, caller: caller, except: nil)
        return try await store.create(db, fields, by: caller.id)
    }

    func update(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(ContactInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                throw APIError.notFound("contact")
            }
            try Scope.requireWriter(caller)
            if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
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
            if keys.contains("externalId") { f.externalID = input.externalId?.trimmed.nilIfEmpty }
            f.check(into: &v)
            try v.throwIfInvalid()
            try await checkAccount(db, f, caller: caller, except: id)
            return try await store.update(db, before: before, to: f, by: caller.id)
        }
        return try .json(updated, headers: ETag.headers(updated.version))
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
