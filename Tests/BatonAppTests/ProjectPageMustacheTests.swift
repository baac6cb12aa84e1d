@testable import BatonApp
import BatonCore
import Dates
import Foundation
import Mustache
import Postgres
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
    /// The page, its team, suggestions and candidates, its record and its tasks part: each
    /// form in them reads `canManage`, `project.id` and `frame` by climbing to the page.
    @Test func theProjectPageAndItsFormsAnswerEveryNameMirrorWould() throws {
        let now = Timestamp.now
        let assignment = AssignmentRecord(id: 5, projectId: 3, userId: 4, version: 2, userName: "Ivy Chen", role: "Engineer",
                                          start: CalendarDate("2026-12-01")!, end: CalendarDate("2026-12-18")!, hoursPerWeek: DecimalString(20),
                                          hoursPerDay: DecimalString(4), phaseId: 7, skill: "Cabling", location: nil, status: "planned", overbooked: false)
        let record = ProjectRecord(id: 3, version: 1, name: "Cabling upgrade", accountId: 1, opportunityId: 2, proposalId: 9, projectManagerId: nil,
                                   status: "active", start: CalendarDate("2026-12-01")!, contractValue: Money(12_000), completedOn: nil, phases: [],
                                   checklist: [], skillNeeds: [], budgetItems: [.init(description: "Travel", amount: Money(800))],
                                   assignments: [assignment], createdAt: now, updatedAt: now)
        #expect(AccountPageMustacheTests.differences(record) == [])
        #expect(record.child(named: "projectManagerId") == nil, "no manager climbs, as Mirror's nil did")
        #expect(AccountPageMustacheTests.differences(record.budgetItems[0]) == [])
        let member = ProjectPage.Member(id: 5, version: 2, userName: "Ivy Chen", role: "Engineer", start: "2026-12-01", end: "2026-12-18",
                                        hoursPerDay: "4", hoursPerWeek: "20", from: "1 Dec 2026", to: "18 Dec 2026", need: "Cabling, Install",
                                        hasNeed: true, overbooked: false, people: [PersonOption(id: 4, name: "Ivy Chen", selected: true)],
                                        hasError: true, error: "Too many hours")
        #expect(AccountPageMustacheTests.differences(member) == [])
        let candidate = ProjectPage.Candidate(userId: 4, name: "Ivy Chen", reasons: "has the skill", key: "assign-4-2026-12-01", hours: "20",
                                              allowOverbook: false, hasHoursError: false, hoursError: "", hasFormError: false, formError: "")
        let suggestion = ProjectPage.Suggestion(phaseId: 7, phase: "Install", skill: "Cabling", hours: "40", start: "2026-12-01", end: "2026-12-18",
                                                from: "1 Dec 2026", to: "18 Dec 2026", candidates: [candidate])
        #expect(AccountPageMustacheTests.differences(candidate) == [] && AccountPageMustacheTests.differences(suggestion) == [])
        #expect(AccountPageMustacheTests.differences(ProjectPage.Need(phase: "Install", skill: "Cabling", hours: "40", assigned: "20", covered: false)) == [])
        let task = OpenTask(id: 6, accountID: 1, version: 1, subject: "Chase signature", account: "Northwind", owner: "Ana Torres", dueAt: now,
                            opportunityID: nil, projectID: 3, contactID: nil, opportunity: "", project: "Cabling upgrade", contact: "")
        let row = TaskRow(task, now: now)
        let tasks = TaskSection(rows: [row], empty: false, newTask: "/tasks/new?accountId=1", next: "/projects/3")
        #expect(AccountPageMustacheTests.differences(task) == [] && AccountPageMustacheTests.differences(row) == [])
        #expect(AccountPageMustacheTests.differences(tasks) == [])
        var editing = ProjectPage.Editing()
        #expect(AccountPageMustacheTests.differences(editing) == [])
        editing.details = FormState("project").form([FormState("project").text("name", "Name")])
        editing.canHold = true
        #expect(AccountPageMustacheTests.differences(editing) == [])
        var page = ProjectPage(project: record, status: "Active", manager: "", canManage: true, phases: [], checklist: [], needs: [],
                               suggestions: [suggestion], assignments: [assignment], team: [member], site: "Lyon", accountName: "Northwind",
                               seesPipeline: true, error: nil, liveLinks: "", hasLiveLinks: false, newLinkURL: "", hasNewLink: false,
                               linkForm: FormState("link").form([]))
        page.tasks = [tasks]
        page.editing = editing
        #expect(AccountPageMustacheTests.differences(page) == [])
        #expect(page.child(named: "error") == nil, "no message climbs, as Mirror's nil did")
        page.error = "Refused"
        #expect(AccountPageMustacheTests.differences(page) == [])
    }
}
