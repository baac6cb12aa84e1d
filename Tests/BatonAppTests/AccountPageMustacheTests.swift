@testable import BatonApp
import BatonCore
import Dates
import Foundation
import Mustache
import Postgres
import Testing

/// The account page and the forms answer Mustache by name (MustacheParent) instead of
/// through Mirror. They must answer every name Mirror would, with the same value, and
/// nothing else: a stored property added later and left out of `child(named:)` would
/// vanish from the page without a compile error, and this test names it.
@Suite struct AccountPageMustacheTests {
    /// A value as the template would draw it; a nil optional (Mirror's climb) as "nil".
    static func drawn(_ value: Any?) -> String {
        guard let value else { return "nil" }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional { return mirror.children.first.map { drawn($0.value) } ?? "nil" }
        return String(describing: value)
    }

    /// The names whose answer differs from Mirror's, and whether an unknown name climbs.
    static func differences(_ value: any MustacheParent) -> [String] {
        var wrong: [String] = []
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            if drawn(value.child(named: label)) != drawn(child.value) { wrong.append(label) }
        }
        if value.child(named: "frame") != nil { wrong.append("frame (must climb to the page)") }
        return wrong
    }

    @Test func formsAnswerEveryNameMirrorWould() throws {
        var state = FormState("account", values: ["name": "Northwind", "ownerId": "2"])
        state.errors = ["name": "Too long"]
        let fields = [
            state.text("name", "Name", required: true, hint: "the legal name", inputmode: "text", maxlength: 200),
            state.select("ownerId", "Owner", [("1", "Ana"), ("2", "Ben")]),
            state.checkbox("doNotContact", "Do not contact"),
            state.textarea("note", "Note"),
        ]
        let form = state.form(fields, hidden: [.init(name: "version", value: "3")])
        #expect(Self.differences(form) == [])
        #expect(Self.differences(form.hidden[0]) == [])
        for field in form.fields { #expect(Self.differences(field) == [], "\(field.name)") }
        let options = try #require(form.fields.first { $0.isSelect }).options
        #expect(options.map { Self.differences($0) } == [[], []])
        #expect(options.map(\.selected) == [false, true])
    }

    @Test func theAccountPageAnswersEveryNameMirrorWould() throws {
        let now = Timestamp.now
        let account = AccountRecord(
            id: 7, version: 2, name: "Northwind", domain: "northwind.test", industry: nil, ownerId: 3, parentId: nil, status: .active,
            address: Address(city: "Lyon"), externalId: nil, archived: false, createdAt: now, updatedAt: now)
        let deal = AccountPage.Deal(deal: .init(id: 11, name: "Wi-Fi", stage: "Proposal", amount: 1200, closeDate: CalendarDate("2026-12-01")!),
                                    amount: "USD 1,200.00", closeDate: "1 Dec 2026")
        let contact = AccountPage.Contact(id: 5, name: "Ada", detail: "CTO", doNotContact: true)
        let sections = AccountPage.Sections(accountID: 7, contacts: [contact], deals: [deal], contactCount: 12, dealCount: 1)
        let form = FormState("contact").form([FormState("contact").text("name", "Name")])
        let page = AccountPage(
            account: account, address: "Lyon", owner: "Ana", parent: "", hasParent: false, canEdit: true, canEditDetails: false,
            details: form, conflict: [], saveLabel: "Save details",
            timeline: [.init(at: "today", what: "Ana logged a call", detail: "", kind: "activity")], sections: sections,
            contactForm: form, opportunityForm: form, whiteSpace: [.init(name: "Cloud migration", buyers: "3 in its industry bought it")],
            hasWhiteSpace: true, activityRefusal: nil, agreements: AccountAgreements())
        #expect(Self.differences(page) == [])
        #expect(page.child(named: "activityRefusal") == nil, "no refusal climbs, as Mirror's nil did")
        #expect(Self.differences(sections) == [])
        #expect(sections.child(named: "allDeals") == nil && sections.child(named: "allContacts") != nil)
        #expect(Self.differences(try #require(sections.allContacts)) == [])
        #expect(Self.differences(deal) == [] && Self.differences(deal.deal) == [] && Self.differences(contact) == [])
        #expect(Self.differences(page.timeline[0]) == [] && Self.differences(page.whiteSpace[0]) == [])
    }

    /// The accounts page's body: a list cell's absent link and the new account's form's
    /// `{{#frame}}` climb through it to the page.
    @Test func theAccountsPageAnswersEveryNameMirrorWould() {
        let caller = Caller(id: 1, name: "Admin", email: "admin@demo.test", roles: [.admin], credential: .apiToken(id: 0))
        let spec = ListKind.accounts.spec
        let view = ListView(spec: spec, conditions: [], columns: spec.columns.filter(\.standard), sort: spec.column(spec.sort) ?? spec.columns[0])
        let list = ListPage(spec: spec, view: view, params: ListParameters(query: ""), result: ListResult(rows: [], count: 0, total: 0),
                            choices: [:], saved: [], caller: caller, currency: "USD")
        let state = FormState("new-account", values: ["ownerId": "1"])
        let duplicate = WebRoutes.LikelyDuplicate(id: 4, name: "Northwind", domain: "northwind.test")
        for duplicates in [[], [duplicate]] {
            let body = WebRoutes.AccountsBody(list: list, canCreate: true, newAccount: state.form([state.text("name", "Name")]),
                                              showForm: !duplicates.isEmpty, duplicates: duplicates, hasDuplicates: !duplicates.isEmpty)
            #expect(Self.differences(body) == [])
        }
    }
}
