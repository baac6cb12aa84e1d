@testable import BatonApp
import BatonCore
import Foundation
import Mustache
import Testing

/// The list pages' headers, column choices, filter fields and options
/// answer Mustache by name (ListPagesMustache.swift): every name Mirror would answer,
/// with the same value, so a property added later and left out fails here instead of
/// vanishing from the page.
@Suite struct ListPagesMustacheTests {
    @Test func theListsPartsAnswerEveryNameMirrorWould() {
        #expect(AccountPageMustacheTests.differences(ListPage.Header(label: "Amount", href: "?sort=amount", sorted: "ascending", numeric: true)) == [])
        #expect(AccountPageMustacheTests.differences(ListPage.Header(label: "Name", href: nil, sorted: "", numeric: false)) == [])
        #expect(AccountPageMustacheTests.differences(ListPage.ColumnChoice(key: "owner", label: "Owner", shown: true)) == [])
        let option = Choice(value: "2", label: "Ana Torres", selected: true)
        #expect(AccountPageMustacheTests.differences(option) == [])
        var owner = ListPage.Field(key: "owner", label: "Owner", value: "2", placeholder: "", choice: true)
        owner.anyLabel = "Anyone"
        owner.options = [option]
        let search = ListPage.Field(key: "q", label: "Search", value: "", placeholder: "Name", search: true, kept: "north")
        for field in [owner, search] { #expect(AccountPageMustacheTests.differences(field) == [], "\(field.key)") }
    }
    /// The page itself, its paging and its view links: a cell's absent link climbs to it.
    @Test func theListPageAnswersEveryNameMirrorWould() throws {
        let caller = Caller(id: 1, name: "Admin", email: "admin@demo.test", roles: [.admin], credential: .apiToken(id: 0))
        let spec = ListKind.opportunities.spec
        let params = ListParameters(query: "sort=amount&page=2")
        let view = ListView(spec: spec, conditions: [], columns: spec.columns.filter(\.standard), sort: spec.column(spec.sort) ?? spec.columns[0])
        var page = ListPage(spec: spec, view: view, params: params, result: ListResult(rows: [], count: 120, total: 0), choices: [:],
                            saved: [], caller: caller, currency: "USD")
        #expect(AccountPageMustacheTests.differences(page) == [])
        #expect(page.child(named: "narrowed") == nil && page.child(named: "refusal") == nil, "absent optionals climb, as Mirror's nil did")
        page.refusal = "No such view"
        page.action = .init(label: "Board", href: "/pipeline")
        page.narrowed = .init(name: "Northwind", href: "/accounts/1", widen: "/opportunities", widenLabel: "Every account")
        page.builtIn = [.init(id: 0, name: "Open deals", href: "/opportunities", current: true)]
        #expect(AccountPageMustacheTests.differences(page) == [])
        #expect(AccountPageMustacheTests.differences(page.paging) == [])
        #expect(AccountPageMustacheTests.differences(try #require(page.action)) == [])
        #expect(AccountPageMustacheTests.differences(try #require(page.narrowed)) == [])
        #expect(AccountPageMustacheTests.differences(page.builtIn[0]) == [])
    }
}
