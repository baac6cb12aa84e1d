import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// A contact's record page (issue 19, item 1): its fields edited in place through
/// `ContactActions.change`, the API's own action, at the version the form was drawn
/// from (a stale save shows only the fields either side changed); what was done with
/// this person (the account's timeline, only what names the contact); their open
/// tasks with "New task" filled in; Log activity; Archive.
struct ContactPage: ShowsTasks {
    /// What the page's forms hold: fresh, or what was typed into the one that failed.
    struct Forms {
        var details: FormState?
        /// The details were saved over a newer version: show the fields each side changed.
        var conflict = false
        /// The "log a call" line refused: its message, shown above the line.
        var activityRefusal: String?
    }

    var contact: ContactRecord
    var account: AccountRecord
    /// Contacts have no owner of their own: whoever owns the account answers for them.
    var owner, buyingRole: String
    /// Reaching the person: `mailto:` and `tel:` links (the dialled number without spaces).
    var email, phone, tel: String
    var hasEmail, hasPhone: Bool
    /// `canEdit`: the caller works the pipeline (ContactActions judges the rest on saving).
    var canEdit: Bool
    var details: WebForm
    var conflict: [EditConflict]
    var saveLabel: String
    var timeline: [AccountPage.Entry]
    var hasTimeline: Bool
    var activityRefusal: String?
    /// Its open tasks, with Done and "New task" (`ShowsTasks`).
    var tasks: [TaskSection] = []

    var taskSubject: (subject: TaskSubject, accountID: Int64, page: String) {
        (.contact(contact.id), contact.accountId, Site.contact(contact.id))
    }

    /// The contact's fields as the details form holds them (the API's field names); the
    /// box says "true" or "false", as the handler reads an unticked one.
    static func values(of c: ContactRecord) -> [String: String] {
        ["name": c.name, "title": c.title ?? "", "email": c.email ?? "", "phone": c.phone ?? "", "accountId": String(c.accountId),
         "buyingRole": c.buyingRole?.rawValue ?? "", "doNotContact": String(c.doNotContact)]
    }

    static let detailLabels: [(name: String, label: String)] = [
        ("name", "Name"), ("title", "Job title"), ("email", "Email"), ("phone", "Phone"), ("accountId", "Account"),
        ("buyingRole", "Buying role"), ("doNotContact", "Do not contact"),
    ]

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices, forms: Forms = Forms()) async throws -> ContactPage? {
        guard let contact = try await services.contacts.find(db, id: id, visibleTo: caller),
              let account = try await services.accounts.find(db, id: contact.accountId, visibleTo: caller) else { return nil }
        let canEdit = PipelineAccess.canWrite(caller.roles)
        let owner = try await account.ownerId.asyncMap { try await services.users.findAny(db, id: $0)?.name } ?? nil
        let role = AccountPage.buyingRoles.first { $0.value == contact.buyingRole?.rawValue ?? "" }?.label ?? "—"

        // The details, in place: the form carries the version and what it showed.
        let names = detailLabels.map(\.name)
        let theirs = values(of: contact)
        let details = FormState.details("contact", saved: theirs, version: contact.version, sent: forms.details,
                                        conflict: forms.conflict, fields: names)
        // Any account the caller sees may take the contact (no "None": a contact has one).
        let accounts = canEdit
            ? Array(try await AccountPage.parents(db, caller: caller, services: services, except: nil, including: (id: account.id, name: account.name)).dropFirst())
            : []
        let form = details.form(detailLabels.map { name, label in
            switch name {
            case "name": details.text(name, label, required: true, maxlength: 200)
            case "email": details.text(name, label, type: "email")
            case "phone": details.text(name, label, type: "tel")
            case "accountId": details.select(name, label, accounts)
            case "buyingRole": details.select(name, label, AccountPage.buyingRoles)
            case "doNotContact": details.checkbox(name, label)
            default: details.text(name, label)
            }
        }, hidden: [.init(name: "version", value: details.value("version"))]
            + EditConflict.remembered(details, sent: forms.details != nil, conflict: forms.conflict, saved: theirs, names))
        let conflict = EditConflict.panel(detailLabels, sent: forms.details, conflict: forms.conflict, saved: theirs,
                                          version: contact.version, noun: "contact", discard: Site.contact(id)) { name, value in
            switch name {
            case "accountId": accounts.first { $0.value == value }?.label ?? value
            case "buyingRole": AccountPage.buyingRoles.first { $0.value == value }?.label ?? value
            case "doNotContact": value == "true" ? "Yes" : "No"
            default: value
            }
        }

        let timeline = try await AccountPage.timelineInWords(db, account: account, contactID: id, caller: caller, services: services)
        let phone = contact.phone ?? ""
        return ContactPage(
            contact: contact, account: account, owner: owner ?? "nobody", buyingRole: role,
            email: contact.email ?? "", phone: phone, tel: "tel:" + phone.filter { $0.isNumber || $0 == "+" },
            hasEmail: contact.email != nil, hasPhone: !phone.isEmpty, canEdit: canEdit, details: form, conflict: conflict,
            saveLabel: forms.conflict ? "Save mine over theirs" : "Save details", timeline: timeline, hasTimeline: !timeline.isEmpty,
            activityRefusal: forms.activityRefusal)
    }
}

/// The contact page and its forms. Each goes through the area's actions (the API's
/// own), so the page and `PATCH /contacts/{id}` take the same rules and words.
extension WebRoutes {

    @Sendable func showContact(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelinePage(request, context) { try await contactPage($0, $1, id: $2) }
    }

    /// The details, edited in place: only the fields I changed go to `ContactActions.change`,
    /// at the form's version.
    @Sendable func saveContactDetails(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelineForm(request, context) { caller, token, id, posted in
            // An unticked box is not sent at all: it says "false", as the form drew it.
            var form = posted
            form["doNotContact"] = posted["doNotContact"] ?? "false"
            return try await saveInPlace(
                form, prefix: "contact", fields: ContactPage.detailLabels.map(\.name), back: Site.contact(id),
                through: ContactActions(services: services), caller: caller, id: id,
                saved: { try await services.contacts.find($0, id: id, visibleTo: caller).map(ContactPage.values) },
                read: { fields in
                    ContactInput(accountId: fields.id("accountId", "Account"), name: form["name"], email: form["email"], phone: form["phone"],
                                 title: form["title"], buyingRole: fields.choice("buyingRole", "Buying role", BuyingRole.self),
                                 doNotContact: form["doNotContact"] == "true")
                },
                redraw: { try await contactPage(caller, token, id: id, forms: .init(details: $0, conflict: $1), status: $2) })
        }
    }

    /// A call, a meeting or a note with this person, logged as done now (a task waits
    /// to be done), on the contact's account, through `ActivityActions.create`.
    @Sendable func logContactActivityForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            var reader = FormReader(form)
            var input = ActivityInput()
            input.kind = reader.choice("kind", "Kind", ActivityKind.self)
            input.subject = form["subject"] ?? ""
            input.contactId = id
            input.doneAt = input.kind == .task ? nil : Timestamp.now
            do {
                _ = try await formTransaction(reader) { db in
                    guard let contact = try await services.contacts.find(db, id: id, visibleTo: caller) else { throw APIError.notFound("contact") }
                    input.accountId = contact.accountId
                    return try await ActivityActions(services: services).create(db, caller: caller, input: input)
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                let refusal = (failure.errors.sorted { $0.key < $1.key }.map(\.value) + failure.messages).joined(separator: " ")
                return try await contactPage(caller, token, id: id, forms: .init(activityRefusal: refusal), status: failure.status)
            }
            return WebSession.redirect(Site.contact(id))
        }
    }

    /// Archive, through `ContactActions.archive` at the page's version; back to the account.
    @Sendable func archiveContactForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelineForm(request, context) { caller, token, id, form in
            let accountID = try await services.pool.withTransaction { db in
                guard let contact = try await services.contacts.find(db, id: id, visibleTo: caller) else { throw APIError.notFound("contact") }
                try await ContactActions(services: services).archive(db, caller: caller, id: id, expected: Int(form["version"] ?? ""))
                return contact.accountId
            }
            return WebSession.redirect(Site.account(accountID) + "#contacts")
        }
    }

    func contactPage(_ caller: Caller, _ token: String, id: Int64, forms: ContactPage.Forms = .init(),
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let body = try await services.pool.withConnection { db in
            try await ContactPage.build(db, id: id, caller: caller, services: services, forms: forms)?.withTasks(db, caller: caller)
        }
        guard let body else { return notFound() }
        let frame = frame(caller, sessionToken: token, title: body.contact.name, area: "contacts")
        return renderer.page("contact", Page(frame: frame, body: body), status: status)
    }
}
