@testable import BatonApp
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
        let option = ListOption(value: "2", label: "Ana Torres", selected: true)
        #expect(AccountPageMustacheTests.differences(option) == [])
        var owner = ListPage.Field(key: "owner", label: "Owner", value: "2", placeholder: "", choice: true)
        owner.anyLabel = "Anyone"
        owner.options = [option]
        let search = ListPage.Field(key: "q", label: "Search", value: "", placeholder: "Name", search: true, kept: "north")
        for field in [owner, search] { #expect(AccountPageMustacheTests.differences(field) == [], "\(field.key)") }
    }
}
