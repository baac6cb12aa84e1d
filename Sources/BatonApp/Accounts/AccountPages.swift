import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Postgres

/// The account pages and their forms: the accounts list (a new account), an account
/// (its details edited in place, a contact, a logged call). Every form goes through
/// the area's actions, so a page and the API take the same rules; a post that breaks
/// them draws the page again with the status, what was typed and each field's message.
extension WebRoutes {

    @Sendable func showAccounts(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        let params = ListParameters(request)
        if params.wantsCSV { return try ListCSV.response(.accounts, params, caller: caller, pool: services.pool) }
        return try await accountsPage(request, caller, token)
    }

    @Sendable func createAccountForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            guard PipelineAccess.canWrite(caller.roles) else { return forbidden() }
            var reader = FormReader(form)
            let input = AccountInput(
                name: form["name"] ?? "", domain: reader.optional("domain"), industry: reader.optional("industry"),
                ownerId: reader.id("ownerId", "Owner"), parentId: reader.id("parentId", "Parent account"),
                address: Address(city: reader.optional("address.city"), region: reader.optional("address.region")))
            do {
                // Likely duplicates (same domain, similar name) are shown with links first;
                // "Create it anyway" sends the form again with the box ticked.
                if form["createAnyway"] != "true" {
                    let twins = try await services.pool.withConnection { db in
                        try await services.accounts.likelyDuplicates(db, name: input.name ?? "", domain: input.domain, visibleTo: caller)
                    }
                    if !twins.isEmpty {
                        return try await accountsPage(request, caller, token, form: FormState("new-account", values: form),
                                                      duplicates: twins.map { .init(id: $0.id, name: $0.name, domain: $0.domain ?? "") })
                    }
                }
                let account = try await formTransaction(reader) { db in
                    try await AccountActions(services: services).create(db, caller: caller, input: input)
                }
                return WebSession.redirect(Site.account(account.id))
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await accountsPage(request, caller, token, form: FormState("new-account", typed: form, failure: failure),
                                              status: failure.status)
            }
        }
    }

    @Sendable func showAccount(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelinePage(request, context) { try await accountPage($0, $1, id: $2) }
    }

    // The details, edited in place. The form carries the version it was drawn from:
    // a save over a newer version saves nothing and shows theirs beside mine, with
    // the newer version in the form, so that saving again is a deliberate choice.
    @Sendable func saveAccountDetails(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelineForm(request, context) { caller, token, id, form in
            var reader = FormReader(form)
            let input = AccountInput(
                name: form["name"] ?? "", domain: form["domain"], industry: form["industry"],
                ownerId: reader.id("ownerId", "Owner"), parentId: reader.id("parentId", "Parent account"),
                status: reader.choice("status", "Status", AccountStatus.self),
                address: Address(street: reader.optional("address.street"), city: reader.optional("address.city"),
                                 region: reader.optional("address.region"), postalCode: reader.optional("address.postalCode"),
                                 country: reader.optional("address.country")))
            let version = Int(form["version"] ?? "")
            if version == nil { reader.problems.add("version", "The form lost its version; reload the page and make the change again.") }
            do {
                try await formTransaction(reader) { db in
                    guard let current = try await services.accounts.find(db, id: id, visibleTo: caller) else {
                        throw APIError.notFound("account")
                    }
                    // Only what differs from the saved account changes: an owner or parent
                    // left as it was is not judged again.
                    let saved = AccountPage.values(of: current)
                    func changed(_ name: String) -> Bool { form[name].map { $0.trimmed != saved[name] } ?? false }
                    var keys = Set(["name", "domain", "industry", "status", "ownerId", "parentId"].filter(changed))
                    if AccountPage.detailLabels.map(\.name).filter({ $0.hasPrefix("address.") }).contains(where: changed) {
                        keys.insert("address")
                    }
                    guard !keys.isEmpty else { return }
                    _ = try await AccountActions(services: services).change(db, caller: caller, id: id, expected: version, input: input, keys: keys)
                }
            } catch let error as APIError where error.status == .preconditionFailed {
                let mine = FormState("account", typed: form, failure: FormFailure(status: .conflict))
                return try await accountPage(caller, token, id: id, forms: .init(details: mine, conflict: true), status: .conflict)
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await accountPage(caller, token, id: id, forms: .init(details: FormState("account", typed: form, failure: failure)),
                                             status: failure.status)
            }
            return WebSession.redirect(Site.account(id))
        }
    }

    @Sendable func addContactForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelineForm(request, context) { caller, token, id, form in
            var reader = FormReader(form)
            let input = ContactInput(
                accountId: id, name: form["name"] ?? "", email: form["email"], phone: form["phone"], title: form["title"],
                buyingRole: reader.choice("buyingRole", "Buying role", BuyingRole.self), doNotContact: form["doNotContact"] == "true")
            do {
                _ = try await onVisibleAccount(id, caller: caller, reader) { db in
                    try await ContactActions(services: services).create(db, caller: caller, input: input)
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await accountPage(caller, token, id: id, forms: .init(contact: FormState("contact", typed: form, failure: failure)),
                                             status: failure.status)
            }
            return WebSession.redirect(Site.account(id) + "#contacts")
        }
    }

    @Sendable func logActivityForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            var reader = FormReader(form)
            let kind = reader.choice("kind", "Kind", ActivityKind.self)
            // A call, a meeting or a note is logged as done now; a task waits to be done.
            let input = ActivityInput(kind: kind, subject: form["subject"] ?? "", body: reader.optional("body"), accountId: id,
                                      doneAt: kind == .task ? nil : Timestamp.now)
            do {
                _ = try await onVisibleAccount(id, caller: caller, reader) { db in
                    try await ActivityActions(services: services).create(db, caller: caller, input: input)
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                let refusal = (failure.errors.sorted { $0.key < $1.key }.map(\.value) + failure.messages).joined(separator: " ")
                return try await accountPage(caller, token, id: id, forms: .init(activityRefusal: refusal), status: failure.status)
            }
            return WebSession.redirect(Site.account(id))
        }
    }

    /// A form's change to what hangs off an account, in one transaction, when the
    /// caller sees the account (404 otherwise).
    func onVisibleAccount<T>(
        _ id: Int64, caller: Caller, _ reader: FormReader, _ write: (Connection) async throws -> T
    ) async throws -> T {
        try await formTransaction(reader) { db in
            guard try await services.accounts.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("account") }
            return try await write(db)
        }
    }

    // MARK: Drawing the pages

    /// An account the new one probably repeats, linked from the warning above the form.
    struct LikelyDuplicate { var id: Int64; var name: String; var domain: String }

    /// The accounts page: the list, and the new account's form when it is open.
    struct AccountsBody { var list: ListPage; var canCreate: Bool; var newAccount: WebForm; var showForm: Bool
                          var duplicates: [LikelyDuplicate]; var hasDuplicates: Bool }

    func accountsPage(_ request: Request, _ caller: Caller, _ token: String, form: FormState? = nil,
                      duplicates: [LikelyDuplicate] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let canCreate = PipelineAccess.canWrite(caller.roles)
        // The form is open when asked for ("New account"), when it failed, or to warn of duplicates.
        let showForm = canCreate && (request.uri.queryParameters["new"] != nil || form != nil)
        // The list is the one list view (`ListSpec.accounts`): owner, status, columns,
        // sort, count, saved views and CSV, as on the other lists.
        let body = try await services.pool.withConnection { db in
            let list = try await listBody(db, .accounts, ListParameters(request), caller: caller)
            let state = form ?? FormState("new-account", values: ["ownerId": String(caller.id)])
            let fields = canCreate ? [
                state.text("name", "Name", required: true, maxlength: 200),
                state.text("domain", "Website domain", hint: "like example.com"),
                state.text("industry", "Industry"),
                state.select("ownerId", "Owner", try await AccountPage.owners(db, caller: caller, including: nil)),
                state.text("address.city", "City"),
                state.text("address.region", "Region"),
                state.select("parentId", "Parent account",
                             try await AccountPage.parents(db, caller: caller, services: services, except: nil, including: nil)),
            ] : []
            return AccountsBody(list: list, canCreate: canCreate, newAccount: state.form(fields), showForm: showForm,
                                duplicates: duplicates, hasDuplicates: !duplicates.isEmpty)
        }
        return renderer.page("accounts", Page(frame: frame(caller, sessionToken: token, title: "Accounts", area: "accounts"), body: body),
                             status: status)
    }

    func accountPage(_ caller: Caller, _ token: String, id: Int64, forms: AccountPage.Forms = .init(),
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let body = try await services.pool.withConnection({
            try await AccountPage.build($0, id: id, caller: caller, services: services, forms: forms)?.withTasks($0, caller: caller)
        }) else { return notFound() }
        return renderer.page("account", Page(frame: frame(caller, sessionToken: token, title: body.account.name, area: "accounts"), body: body),
                             status: status)
    }
}

extension WebRoutes {
    /// A form posted on a pipeline record's page (an account, an opportunity): `handle`
    /// gets the record's id from the path once the caller may change the pipeline.
    func pipelineForm(
        _ request: Request, _ context: BatonRequestContext,
        _ handle: (Caller, String, Int64, [String: String]) async throws -> Response
    ) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            guard PipelineAccess.canWrite(caller.roles) else { return forbidden() }
            return try await handle(caller, token, id, form)
        }
    }

    /// A pipeline record's page, named by the path's id, for whoever reads the pipeline.
    func pipelinePage(
        _ request: Request, _ context: BatonRequestContext, _ show: (Caller, String, Int64) async throws -> Response
    ) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        return try await show(caller, token, try request.id(context))
    }
}

// The accounts page answers by name: every list cell without a link or class climbs past
// the list to this body (ListPagesMustache.swift), as the new account's form does for its
// CSRF token (`{{#frame}}`), and through Mirror each climb reflected the whole body. Every
// stored property answers under its own name, anything else nil so it climbs on to the
// page, as with Mirror; AccountPageMustacheTests holds it to Mirror's.
extension WebRoutes.AccountsBody: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "list": list
        case "canCreate": canCreate
        case "newAccount": newAccount
        case "showForm": showForm
        case "duplicates": duplicates
        case "hasDuplicates": hasDuplicates
        default: nil
        }
    }
}
