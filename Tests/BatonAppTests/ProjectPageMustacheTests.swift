@testable import BatonApp
import Testing

/// The project page's people choices, staffing cells and rows, phases and checklist items
/// answer Mustache by name (ProjectPageMustache.swift): every name Mirror would answer,
/// with the same value, so a property added later and left out fails here instead of
/// vanishing from the page.
@Suite struct ProjectPageMustacheTests {
    @Test func theProjectPagesPartsAnswerEveryNameMirrorWould() {
        #expect(AccountPageMustacheTests.differences(PersonOption(id: 4, name: "Ivy Chen", selected: true)) == [])
        let cell = StaffingView.Cell(text: "6 h", title: "6 of 8 hours", band: "busy", away: false, overbooked: true)
        #expect(AccountPageMustacheTests.differences(cell) == [])
        #expect(AccountPageMustacheTests.differences(StaffingView.Row(name: "Ivy Chen", detail: "network", cells: [cell])) == [])
        let late = ProjectPage.Phase(id: 3, name: "Survey", start: "1 Dec 2026", due: "4 Dec 2026", done: nil, state: "Late", late: true, open: true)
        let done = ProjectPage.Phase(id: 4, name: "Install", start: "5 Dec 2026", due: "9 Dec 2026", done: "8 Dec 2026", state: "Done", late: false, open: false)
        for phase in [late, done] { #expect(AccountPageMustacheTests.differences(phase) == [], "\(phase.name)") }
        #expect(AccountPageMustacheTests.differences(ProjectPage.Item(id: 9, text: "Site survey signed", required: true, checked: false, by: "")) == [])
    }
}
