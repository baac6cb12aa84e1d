@testable import BatonCore
import Dates
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

private let today = date("2026-04-20")

/// Discovery (April 1–15), Build (April 15–May 13), Handover (May 13–20).
private let discovery = PhaseState(id: 17, position: 1, name: "Discovery", start: date("2026-04-01"), due: date("2026-04-15"))
private let build = PhaseState(id: 18, position: 2, name: "Build", start: date("2026-04-15"), due: date("2026-05-13"))
private let handover = PhaseState(id: 19, position: 3, name: "Handover", start: date("2026-05-13"), due: date("2026-05-20"))

private func done(_ phase: PhaseState, _ on: String = "2026-04-14") -> PhaseState {
    var p = phase
    p.completedOn = date(on)
    return p
}

private let checklist = [
    ChecklistState(id: 1, text: "Client signed off", required: true, checked: false),
    ChecklistState(id: 2, text: "Photos filed", required: false, checked: false),
    ChecklistState(id: 3, text: "Runbook handed over", required: true, checked: false),
    ChecklistState(id: 4, text: "Keys returned", required: true, checked: true),
]

private func allChecked() -> [ChecklistState] {
    checklist.map { var item = $0; item.checked = true; return item }
}

@Suite struct ProjectProgressTests {
    @Test func aPhaseCompletesOnItsDateOfRecord() throws {
        let phases = [discovery, build, handover]
        let result = try ProjectProgress.complete(phase: discovery, in: phases, checklist: checklist,
                                                  on: date("2026-04-14"), today: today)
        #expect(result.phaseCompletedOn == date("2026-04-14"))
        #expect(!result.projectCompletes)
        // Today itself is not the future.
        #expect(try ProjectProgress.complete(phase: discovery, in: phases, checklist: checklist, on: today, today: today)
            .phaseCompletedOn == today)
    }

    @Test func aCompletionDateCannotBeInTheFuture() {
        let tomorrow = today.adding(days: 1)
        #expect(throws: CompletionRefusal.future(today: today)) {
            try ProjectProgress.complete(phase: discovery, in: [discovery], checklist: [], on: tomorrow, today: today)
        }
        #expect(CompletionRefusal.future(today: today).message
            == "A completion date cannot be in the future (today is 2026-04-20); give today or an earlier date.")
    }

    @Test func aCompletedPhaseIsNotCompletedAgain() {
        // Judged before the date: the phase's state is the first thing wrong.
        #expect(throws: CompletionRefusal.alreadyCompleted) {
            try ProjectProgress.complete(phase: done(discovery), in: [done(discovery), build], checklist: [],
                                         on: today.adding(days: 5), today: today)
        }
        #expect(CompletionRefusal.alreadyCompleted.message.contains("reopen it first"))
    }

    @Test func theLastPhaseWaitsForEveryRequiredItem() {
        let phases = [done(discovery), done(build), handover]
        // The optional unchecked item is not named; the required ones are, in order.
        #expect(throws: CompletionRefusal.uncheckedItems(["Client signed off", "Runbook handed over"])) {
            try ProjectProgress.complete(phase: handover, in: phases, checklist: checklist, on: today, today: today)
        }
        #expect(CompletionRefusal.uncheckedItems(["Client signed off", "Runbook handed over"]).message
            == "Check these required items first: Client signed off; Runbook handed over")
    }

    @Test func theLastPhaseAndTheProjectCompleteTogether() throws {
        let phases = [done(discovery), done(build), handover]
        var items = checklist
        items[0].checked = true
        items[2].checked = true   // item 1 (optional) stays unchecked
        let result = try ProjectProgress.complete(phase: handover, in: phases, checklist: items, on: today, today: today)
        #expect(result.phaseCompletedOn == today)
        #expect(result.projectCompletes)
    }

    @Test func theLastPhaseMayFinishBeforeAnEarlierOne() throws {
        let result = try ProjectProgress.complete(phase: handover, in: [done(discovery), build, handover],
                                                  checklist: allChecked(), on: today, today: today)
        #expect(!result.projectCompletes)
    }

    @Test func earlierPhasesIgnoreTheChecklist() throws {
        let result = try ProjectProgress.complete(phase: build, in: [done(discovery), build, handover],
                                                  checklist: checklist, on: today, today: today)
        #expect(!result.projectCompletes)
    }

    @Test func theProjectNeverCompletesWithARequiredItemUnchecked() throws {
        // The last phase was done, then the Build phase reopened and an item unchecked:
        // completing Build now would complete the project, so the checklist gates it.
        let phases = [done(discovery), build, done(handover, "2026-04-19")]
        #expect(throws: CompletionRefusal.uncheckedItems(["Client signed off", "Runbook handed over"])) {
            try ProjectProgress.complete(phase: build, in: phases, checklist: checklist, on: today, today: today)
        }
        let result = try ProjectProgress.complete(phase: build, in: phases, checklist: allChecked(), on: today, today: today)
        #expect(result.projectCompletes)
    }

    @Test func aSinglePhaseProjectIsItsOwnLastPhase() throws {
        #expect(throws: CompletionRefusal.uncheckedItems(["Client signed off", "Runbook handed over"])) {
            try ProjectProgress.complete(phase: discovery, in: [discovery], checklist: checklist, on: today, today: today)
        }
        // And with no checklist at all, nothing holds it back.
        #expect(try ProjectProgress.complete(phase: discovery, in: [discovery], checklist: [], on: today, today: today).projectCompletes)
    }

    @Test func onlyACompletedPhaseReopens() throws {
        #expect(throws: CompletionRefusal.notCompleted) { try ProjectProgress.reopen(phase: build) }
        try ProjectProgress.reopen(phase: done(build))
        #expect(CompletionRefusal.notCompleted.message == "This phase is not completed, so there is nothing to reopen.")
    }

    @Test func onTimeMeansOnOrBeforeTheDueDate() {
        let due = date("2026-04-15")
        #expect(ProjectProgress.onTime(due: due, completedOn: date("2026-04-14")) == true)
        #expect(ProjectProgress.onTime(due: due, completedOn: due) == true)
        #expect(ProjectProgress.onTime(due: due, completedOn: date("2026-04-16")) == false)
        #expect(ProjectProgress.onTime(due: due, completedOn: nil) == nil)
    }

    @Test func phaseStates() {
        #expect(ProjectProgress.phaseState(done(handover), today: today) == "done")
        #expect(ProjectProgress.phaseState(done(discovery, "2026-04-19"), today: today) == "done")   // late, but done
        #expect(ProjectProgress.phaseState(discovery, today: date("2026-04-15")) == "in progress")   // due today
        #expect(ProjectProgress.phaseState(discovery, today: date("2026-04-16")) == "late")
        #expect(ProjectProgress.phaseState(build, today: date("2026-04-15")) == "in progress")       // starts today
        #expect(ProjectProgress.phaseState(build, today: date("2026-04-14")) == "upcoming")
        #expect(ProjectProgress.phaseState(handover, today: today) == "upcoming")
    }

    @Test func movingAPhaseKeepsItsLength() {
        let moved = ProjectProgress.redate(phases: [discovery, build, handover], moving: 18,
                                           newStart: date("2026-04-22"), shiftFollowing: false)
        #expect(moved == [PhaseDates(id: 18, start: date("2026-04-22"), due: date("2026-05-20"))])
    }

    @Test func shiftingMovesEveryLaterPhaseBySameDays() {
        // Listed out of order on purpose: the answer is in position order, and the
        // earlier Discovery phase stays where it is.
        let moved = ProjectProgress.redate(phases: [handover, build, discovery], moving: 18,
                                           newStart: date("2026-04-22"), shiftFollowing: true)
        #expect(moved == [
            PhaseDates(id: 18, start: date("2026-04-22"), due: date("2026-05-20")),
            PhaseDates(id: 19, start: date("2026-05-20"), due: date("2026-05-27")),
        ])
        // Earlier works too: moving Discovery back three days moves the rest back three days.
        let earlier = ProjectProgress.redate(phases: [discovery, build, handover], moving: 17,
                                             newStart: date("2026-03-29"), shiftFollowing: true)
        #expect(earlier.map(\.id) == [17, 18, 19])
        #expect(earlier.map(\.start) == [date("2026-03-29"), date("2026-04-12"), date("2026-05-10")])
        #expect(earlier.map(\.due) == [date("2026-04-12"), date("2026-05-10"), date("2026-05-17")])
    }

    @Test func nothingMovesWithoutAChangeOrAPhase() {
        #expect(ProjectProgress.redate(phases: [discovery, build], moving: 18, newStart: build.start, shiftFollowing: true).isEmpty)
        #expect(ProjectProgress.redate(phases: [discovery, build], moving: 99, newStart: today, shiftFollowing: true).isEmpty)
    }
}
