import BatonCore
import Dates
import Foundation
import Mustache
import Postgres

/// An account's record page: its fields, editable in place (the form carries the
/// version, so a stale save shows the conflict); its timeline with a box to log a
/// call; what is linked to it (contacts, opportunities) with the forms that add
/// them; and its white space, the typical projects it has never bought.
struct AccountPage {
    /// A timeline line in words; `kind` (activity, deal, contact, account) is what the filter keeps.
    struct Entry { var at: String; var what: String; var detail: String; var kind: String }
    /// A deal in the Deals section: the deal, its amount and close date as the page writes them.
    struct Deal { var deal: AccountStore.LinkedDeal; var amount, closeDate: String }
    struct Contact { var id: Int64; var name: String; var detail: String; var doNotContact: Bool }
    struct Gap { var name: String; var buyers: String }
    /// "Show all 1,234 deals": the list view filtered to the account, when the section shows only the first.
    struct ShowAll { var label, href: String }
    /// The Deals and Contacts sections: the first of each, headed by how many the account
    /// has ("Contacts (12)", "Deals (1,234)"), and "Show all" when those are not all.
    struct Sections {
        var contacts: [Contact]
        var deals: [Deal]
        var hasContacts, hasDeals: Bool
        var contactsHeading, dealsHeading: String
        var allContacts, allDeals: ShowAll?

        init(accountID: Int64, contacts: [Contact], deals: [Deal], contactCount: Int, dealCount: Int) {
            (self.contacts, self.deals, hasContacts, hasDeals) = (contacts, deals, !contacts.isEmpty, !deals.isEmpty)
            let count = Formatting.count
            contactsHeading = "Contacts (\(count(contactCount)))"
            dealsHeading = "Deals (\(count(dealCount)))"
            let none = ListParameters(query: nil)
            allContacts = contactCount > contacts.count ? ShowAll(label: "Show all \(count(contactCount)) contacts",
                                                          href: none.link(ListKind.contacts.path, ["account": String(accountID)])) : nil
            // Every deal, won and lost too, in the section's order, so the list goes on from it.
            allDeals = dealCount > deals.count ? ShowAll(label: "Show all \(count(dealCount)) deals", href: none.link(ListKind.opportunities.path, [
                "account": String(accountID), "status": "all", "sort": "closeDate", "dir": "desc"])) : nil
        }
    }
    /// What the page's forms hold: fresh, or what was typed into the one that failed.
    struct Forms {
        var details: FormState?
        var contact: FormState?
        var opportunity: FormState?
        /// The "log a call" line refused: its message, shown above the line.
        var activityRefusal: String?
        /// The details were saved over a newer version: show theirs beside mine.
        var conflict = false
    }

    var account: AccountRecord
    var address, owner, parent: String
    /// `canEditDetails`: only whoever answers for the account (its owner, their
    /// managers, admins) edits its details; any pipeline writer adds to it.
    var hasParent, canEdit, canEditDetails: Bool
    var details: WebForm
    var conflict: [EditConflict]
    var saveLabel: String
    var timeline: [Entry]
    var sections: Sections
    var contactForm, opportunityForm: WebForm
    var whiteSpace: [Gap]
    var hasWhiteSpace: Bool
    var activityRefusal: String?
    /// Its agreements, their status, MRR and ARR, end and renewal (issue 23).
    var agreements: AccountAgreements
    /// Its open tasks, with Done and "New task" (`ShowsTasks`).
    var tasks: [TaskSection] = []

    /// How many deals and contacts the sections show (the newest deals, the contacts by
    /// name); the rest are a "Show all" link away, in the lists that page, sort and filter.
    static let sectionSize = 20

    static let statuses: [(value: String, label: String)] = AccountStatus.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }
    static let kinds: [(value: String, label: String)] = [("new_business", "New business"), ("expansion", "Expansion"), ("renewal", "Renewal")]
    static let buyingRoles: [(value: String, label: String)] = [("", "—")] + BuyingRole.allCases.map {
        ($0.rawValue, $0.rawValue.replacingOccurrences(of: "_", with: " ").capitalized)
    }

    /// The account's fields as the details form holds them (the API's field names).
    static func values(of a: AccountRecord) -> [String: String] {
        ["name": a.name, "domain": a.domain ?? "", "industry": a.industry ?? "", "status": a.status.rawValue,
         "ownerId": a.ownerId.map(String.init) ?? "", "parentId": a.parentId.map(String.init) ?? "",
         "address.street": a.address.street ?? "", "address.city": a.address.city ?? "", "address.region": a.address.region ?? "",
         "address.postalCode": a.address.postalCode ?? "", "address.country": a.address.country ?? ""]
    }

    static let detailLabels: [(name: String, label: String)] = [
        ("name", "Name"), ("domain", "Website domain"), ("industry", "Industry"), ("status", "Status"), ("ownerId", "Owner"),
        ("parentId", "Parent account"), ("address.street", "Street"), ("address.city", "City"), ("address.region", "Region"),
        ("address.postalCode", "Postal code"), ("address.country", "Country"),
    ]

    /// People the caller may make owners: those in their line who work the pipeline.
    static func owners(_ db: Connection, caller: Caller, including current: Int64?) async throws -> [(value: String, label: String)] {
        var people = try await AccountStore().possibleOwners(db, caller: caller).map { (value: String($0.id), label: $0.name) }
        if let current, !people.contains(where: { $0.value == String(current) }),
            let person = try await UserStore().findAny(db, id: current) {
            people.insert((String(current), person.name), at: 0)
        }
        return people
    }

    /// Accounts the caller sees, as parents to choose from: the first 300 by name, and the
    /// current parent (`current`, its name when the caller sees it) whether or not it is
    /// among them. A parent the caller cannot see is kept, unnamed, so saving the other
    /// details does not drop it.
    static func parents(_ db: Connection, caller: Caller, services: AppServices, except id: Int64?,
                        including current: (id: Int64, name: String?)?) async throws -> [(value: String, label: String)] {
        var list = try await services.accounts.firstByName(db, visibleTo: caller, limit: 300)
            .filter { $0.id != id }.map { (value: String($0.id), label: $0.name) }
        if let current, !list.contains(where: { $0.value == String(current.id) }) {
            list.insert((String(current.id), current.name ?? "An account you cannot see"), at: 0)
        }
        return [("", "None")] + list
    }

    /// The timeline in words, newest first: "Ana moved Warehouse Wi-Fi to Proposal" with
    /// "amount 30,000 → 35,000" beneath (TimelineWords), each record by its name. With
    /// `contactID`, the contact page's: only what names that contact. `known` ("opportunity
    /// 12": its name) are the records the page has read already; the others its entries
    /// name are read by id, in one statement.
    static func timelineInWords(_ db: Connection, account: AccountRecord, contactID: Int64? = nil, caller: Caller,
                                services: AppServices, known: [String: String] = [:]) async throws -> [Entry] {
        let entries = try await services.timeline.page(db, accountID: account.id, contactID: contactID, page: try PageRequest(limit: 30)).items
        var names = known
        names["account \(account.id)"] = account.name
        func unnamed(_ entity: String) -> [Int64] {
            Array(Set(entries.filter { $0.entity == entity && names["\(entity) \($0.entityId)"] == nil }.map(\.entityId)))
        }
        let read = try await services.accounts.names(db, opportunityIDs: unnamed("opportunity"), contactIDs: unnamed("contact"), visibleTo: caller)
        names.merge(read) { shown, _ in shown }
        var people: [Int64: String] = [:]
        for actor in Set(entries.compactMap(\.actorId)) { people[actor] = try await services.users.findAny(db, id: actor)?.name }
        let stages = Dictionary(try await services.stages.all(db).map { ($0.key, $0.name) }) { a, _ in a }
        return entries.map { e in
            let line = TimelineWords.describe(
                actor: e.actorId.flatMap { people[$0] }, entity: e.entity, name: names["\(e.entity) \(e.entityId)"],
                action: e.kind, subject: e.subject, changes: e.changes ?? [:], stageNames: stages)
            return Entry(at: Formatting.moment(e.at),
                         what: line.sentence, detail: line.details.joined(separator: "; "), kind: line.kind)
        }
    }

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices, forms: Forms = Forms()) async throws -> AccountPage? {
        guard let account = try await services.accounts.find(db, id: id, visibleTo: caller) else { return nil }
        let canEdit = PipelineAccess.canWrite(caller.roles)
        let standing = try await Standings.owned(db, ownerID: account.ownerId, caller: caller)
        let canEditDetails = canEdit && (try? AccountChangeRights.checkChange(standing, hasOwner: account.ownerId != nil)) != nil
        let ownerName = try await account.ownerId.asyncMap { try await services.users.findAny(db, id: $0)?.name } ?? nil
        let parentName = try await account.parentId.asyncMap { try await services.accounts.find(db, id: $0, visibleTo: caller)?.name } ?? nil
        let contactPage = try await services.contacts.list(db, visibleTo: caller, filter: .init(accountID: id), page: try PageRequest(limit: sectionSize))
        let contactRecords = contactPage.items
        let contacts = contactRecords.map { c in
                let parts = [c.title, c.buyingRole.map(Formatting.label), c.email, c.phone]
                return Contact(id: c.id, name: c.name, detail: parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · "),
                               doNotContact: c.doNotContact)
            }
        let currency = services.configuration.currency
        // One more deal than shown says whether there are more; only then are they counted.
        let dealRecords = try await services.accounts.deals(db, accountID: id, visibleTo: caller, limit: sectionSize + 1)
        let deals = dealRecords.prefix(sectionSize).map {
            Deal(deal: $0, amount: Formatting.money($0.amount, currency: currency), closeDate: Formatting.date($0.closeDate))
        }
        let more = dealRecords.count > sectionSize || contactPage.nextCursor != nil
        let counts = more ? try await services.accounts.linkedCounts(db, accountID: id, visibleTo: caller) : (deals: deals.count, contacts: contacts.count)
        let sections = Sections(accountID: id, contacts: contacts, deals: deals, contactCount: counts.contacts, dealCount: counts.deals)
        let known = Dictionary(deals.map { ("opportunity \($0.deal.id)", $0.deal.name) } + contactRecords.map { ("contact \($0.id)", $0.name) }) { a, _ in a }
        let timeline = try await timelineInWords(db, account: account, caller: caller, services: services, known: known)
        let gaps = try await services.reports.whiteSpace(db, accountID: id).prefix(5).map {
            Gap(name: $0.name, buyers: $0.industryBuyers == 0 ? "" : "\($0.industryBuyers) in its industry bought it")
        }

        // The details, in place.
        let theirs = values(of: account)
        let details = FormState.details("account", saved: theirs, version: account.version, sent: forms.details, conflict: forms.conflict,
                                        fields: detailLabels.map(\.name))
        let owners = try await owners(db, caller: caller, including: account.ownerId)
        let parents = canEdit ? try await parents(db, caller: caller, services: services, except: id,
                                                  including: account.parentId.map { (id: $0, name: parentName) }) : []
        let ownerChoices = [("", "Nobody")] + owners
        // The same fields, in the same order, as the conflict table names.
        let detailsForm = details.form(detailLabels.map { name, label in
            switch name {
            case "name": details.text(name, label, required: true, maxlength: 200)
            case "domain": details.text(name, label, hint: "like example.com")
            case "status": details.select(name, label, statuses)
            case "ownerId": details.select(name, label, ownerChoices)
            case "parentId": details.select(name, label, parents)
            default: details.text(name, label)
            }
        }, hidden: [.init(name: "version", value: details.value("version"))] + EditConflict.remembered(theirs, detailLabels.map(\.name)))

        // Only what either side changed since the form was drawn.
        let conflict = EditConflict.panel(detailLabels, sent: forms.details, conflict: forms.conflict, saved: theirs,
                                          version: account.version, noun: "account", discard: "/accounts/\(account.id)") { name, value in
            switch name {
            case "ownerId": ownerChoices.first { $0.0 == value }?.1 ?? value
            case "parentId": parents.first { $0.value == value }?.label ?? value
            case "status": value.capitalized
            default: value
            }
        }

        // A new contact.
        let contact = forms.contact ?? FormState("contact")
        let contactForm = contact.form([
            contact.text("name", "Name", required: true, maxlength: 200),
            contact.text("title", "Job title"),
            contact.text("email", "Email", type: "email"),
            contact.text("phone", "Phone", type: "tel"),
            contact.select("buyingRole", "Buying role", buyingRoles),
            contact.checkbox("doNotContact", "Do not contact"),
        ])

        // A new opportunity.
        let stages = try await services.stages.all(db).filter { !$0.isWon && !$0.isLost }
        var opportunity = forms.opportunity ?? FormState("opportunity", values: [
            "kind": "new_business", "stage": stages.first?.key ?? "", "ownerId": String(caller.id),
            "closeDate": Timestamp.now.calendarDate.adding(days: 30).description,
        ])
        if forms.opportunity == nil, try await services.accounts.hasWonBusiness(db, accountID: id, except: nil) {
            opportunity.values["kind"] = "expansion"
        }
        let opportunityForm = opportunity.form([
            opportunity.text("name", "Name", required: true, maxlength: 200),
            opportunity.select("kind", "Kind", kinds),
            opportunity.select("stage", "Stage", stages.map { ($0.key, $0.name) }),
            opportunity.text("amount", "Amount (\(currency))", hint: "like 84,000.00", inputmode: "decimal"),
            opportunity.text("closeDate", "Expected close date", required: true, type: "date"),
            opportunity.select("ownerId", "Owner", try await Self.owners(db, caller: caller, including: nil)),
        ])

        return AccountPage(
            account: account, address: account.address.singleLine, owner: ownerName ?? "nobody", parent: parentName ?? "",
            hasParent: parentName != nil, canEdit: canEdit, canEditDetails: canEditDetails, details: detailsForm, conflict: conflict,
            saveLabel: forms.conflict ? "Save mine over theirs" : "Save details",
            timeline: timeline, sections: sections, contactForm: contactForm,
            opportunityForm: opportunityForm, whiteSpace: Array(gaps), hasWhiteSpace: !gaps.isEmpty,
            activityRefusal: forms.activityRefusal,
            agreements: try await AccountAgreements.load(db, accountID: id, caller: caller, currency: services.configuration.currency))
    }
}

extension FormState {
    /// A record's details form, edited in place: the saved values at their version, or
    /// the form that was sent back with its version; after a conflict, the newer
    /// version's values with what I typed merged over them, at the newer version.
    static func details(_ name: String, saved: [String: String], version: Int, sent: FormState?, conflict: Bool,
                        fields: [String]) -> FormState {
        var details = sent ?? FormState(name, values: saved)
        let shown = conflict || sent == nil ? version : Int(details.value("version")) ?? version
        details.values["version"] = String(shown)
        if conflict, let mine = sent {
            details.values.merge(EditConflict.merged(fields, typed: { mine.values[$0] }, saved: saved)) { $1 }
        }
        return details
    }
}

// The page answers the template by name rather than through `Mirror`, which reflects
// every stored property for each value read (see WebFormsMustache.swift). Each stored
// property answers under its name; an optional answers itself, so nil climbs the stack
// exactly as Mirror's unwrapped nil did.
extension AccountPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "account": account
        case "address": address
        case "owner": owner
        case "parent": parent
        case "hasParent": hasParent
        case "canEdit": canEdit
        case "canEditDetails": canEditDetails
        case "details": details
        case "conflict": conflict
        case "saveLabel": saveLabel
        case "timeline": timeline
        case "sections": sections
        case "contactForm": contactForm
        case "opportunityForm": opportunityForm
        case "whiteSpace": whiteSpace
        case "hasWhiteSpace": hasWhiteSpace
        case "activityRefusal": activityRefusal
        case "agreements": agreements
        case "tasks": tasks
        default: nil
        }
    }
}

extension AccountPage.Sections: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "contacts": contacts
        case "deals": deals
        case "hasContacts": hasContacts
        case "hasDeals": hasDeals
        case "contactsHeading": contactsHeading
        case "dealsHeading": dealsHeading
        case "allContacts": allContacts
        case "allDeals": allDeals
        default: nil
        }
    }
}

extension AccountPage.Entry: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "at": at
        case "what": what
        case "detail": detail
        case "kind": kind
        default: nil
        }
    }
}

extension AccountPage.Deal: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "deal": deal
        case "amount": amount
        case "closeDate": closeDate
        default: nil
        }
    }
}

extension AccountStore.LinkedDeal: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "stage": stage
        case "amount": amount
        case "closeDate": closeDate
        default: nil
        }
    }
}

extension AccountPage.Contact: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "detail": detail
        case "doNotContact": doNotContact
        default: nil
        }
    }
}

extension AccountPage.Gap: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "buyers": buyers
        default: nil
        }
    }
}

extension AccountPage.ShowAll: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        default: nil
        }
    }
}
