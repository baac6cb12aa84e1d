@testable import BatonCore
import Dates
import Foundation
import Testing

private func d(_ text: String) -> Decimal { Decimal(apiText: text)! }
private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

private let networkAssessment = TemplateOnLine(
    typicalProjectId: 4, name: "Network assessment",
    phases: [
        TemplatePhase(name: "Discovery", offsetDays: 0, lengthDays: 14, sharePercent: 25,
                      skills: [SkillHours(skill: "network engineering", hours: 40)]),
        TemplatePhase(name: "Report", offsetDays: 14, lengthDays: 7, sharePercent: 75,
                      skills: [SkillHours(skill: "network engineering", hours: 16), SkillHours(skill: "writing", hours: 8)]),
    ],
    checklist: [ChecklistTemplateItem(text: "Client signed the acceptance form", required: true),
                ChecklistTemplateItem(text: "Lessons learned recorded", required: false)],
    quantity: 1, lineTotal: d("180000.00"))

private func onePhase(_ id: Int64, _ name: String, lineTotal: String, share: String = "100",
                      checklist: [ChecklistTemplateItem] = []) -> TemplateOnLine {
    TemplateOnLine(typicalProjectId: id, name: name,
                   phases: [TemplatePhase(name: name, offsetDays: 0, lengthDays: 7, sharePercent: d(share))],
                   checklist: checklist, quantity: 1, lineTotal: d(lineTotal))
}

@Suite struct HandoffPlanTests {
    @Test func theApiExampleGivesDatedValuedPhases() {
        let plan = HandoffPlan.plan(contractValue: d("180000.00"), start: date("2026-04-01"), templates: [networkAssessment],
                                    fallbackName: "Delivery")
        #expect(plan.phases.map(\.position) == [1, 2])
        #expect(plan.phases.map(\.name) == ["Discovery", "Report"])
        #expect(plan.phases.map(\.start) == [date("2026-04-01"), date("2026-04-15")])
        #expect(plan.phases.map(\.due) == [date("2026-04-15"), date("2026-04-22")])
        #expect(plan.phases.map(\.value.moneyText) == ["45000.00", "135000.00"])
        #expect(plan.phases.map(\.typicalProjectId) == [4, 4])
        #expect(plan.phases[1].skills == [SkillHours(skill: "network engineering", hours: 16), SkillHours(skill: "writing", hours: 8)])
        #expect(plan.checklist == networkAssessment.checklist)
    }

    @Test func skillHoursScaleWithTheLineQuantity() {
        var twice = networkAssessment
        twice.quantity = d("2.5")
        let plan = HandoffPlan.plan(contractValue: 100, start: date("2026-04-01"), templates: [twice], fallbackName: "Delivery")
        #expect(plan.phases.flatMap(\.skills).map(\.hours) == [100, 40, 20])
    }

    @Test func theLastPhaseTakesTheRoundingRemainder() {
        let template = TemplateOnLine(
            typicalProjectId: 1, name: "Thirds",
            phases: ["33.33", "33.33", "33.34"].enumerated().map {
                TemplatePhase(name: "P\($0.offset)", offsetDays: 0, lengthDays: 1, sharePercent: d($0.element))
            },
            checklist: [], quantity: 1, lineTotal: 100)
        let hundred = HandoffPlan.plan(contractValue: d("100.00"), start: date("2026-01-01"), templates: [template], fallbackName: "x")
        #expect(hundred.phases.map(\.value.moneyText) == ["33.33", "33.33", "33.34"])

        // 1000.01 × 33.33% = 333.303333 → 333.30 twice; the last takes 333.41.
        let awkward = HandoffPlan.plan(contractValue: d("1000.01"), start: date("2026-01-01"), templates: [template], fallbackName: "x")
        #expect(awkward.phases.map(\.value.moneyText) == ["333.30", "333.30", "333.41"])
        #expect(awkward.phases.reduce(Decimal(0)) { $0 + $1.value } == d("1000.01"))
    }

    @Test func equalTemplatesSplitAwkwardCentsAndStillAddUpExactly() {
        let templates = (1...3).map { onePhase(Int64($0), "T\($0)", lineTotal: "500.00") }
        let plan = HandoffPlan.plan(contractValue: d("1000.01"), start: date("2026-01-01"), templates: templates, fallbackName: "x")
        // 1000.01 ÷ 3 = 333.3366… → 333.34 twice, and the last takes 333.33.
        #expect(plan.phases.map(\.value.moneyText) == ["333.34", "333.34", "333.33"])
        #expect(plan.phases.reduce(Decimal(0)) { $0 + $1.value } == d("1000.01"))
    }

    @Test func templatesAreWeightedByTheirLineTotalsAndCustomServicesLandInThePhases() {
        // Lines: A 30000.00 (two phases 50/50), B 10000.00 (one phase), a custom service
        // of 2000.00 (free text, kind service): the contract value 42000.00 is spread over
        // the catalog phases. (Pass-through lines are not in the contract value at all;
        // see PassThroughTests.)
        var a = onePhase(1, "A", lineTotal: "30000.00")
        a.phases = [TemplatePhase(name: "A1", offsetDays: 0, lengthDays: 10, sharePercent: 50),
                    TemplatePhase(name: "A2", offsetDays: 10, lengthDays: 10, sharePercent: 50)]
        let b = onePhase(2, "B", lineTotal: "10000.00")
        let plan = HandoffPlan.plan(contractValue: d("42000.00"), start: date("2026-04-01"), templates: [a, b], fallbackName: "x")
        #expect(plan.phases.map(\.name) == ["A1", "A2", "B"])
        #expect(plan.phases.map(\.value.moneyText) == ["15750.00", "15750.00", "10500.00"])
        #expect(plan.phases.map(\.typicalProjectId) == [1, 1, 2])
        #expect(plan.phases.map(\.position) == [1, 2, 3])
    }

    @Test func templatesWithNoMoneyOnTheirLinesCountTheSame() {
        let templates = [onePhase(1, "A", lineTotal: "0"), onePhase(2, "B", lineTotal: "0")]
        let plan = HandoffPlan.plan(contractValue: d("500.00"), start: date("2026-04-01"), templates: templates, fallbackName: "x")
        #expect(plan.phases.map(\.value.moneyText) == ["250.00", "250.00"])
    }

    @Test func datesRunAcrossMonthAndYearEnds() {
        var t = onePhase(1, "Winter", lineTotal: "1.00")
        t.phases = [TemplatePhase(name: "Over new year", offsetDays: 10, lengthDays: 14, sharePercent: 50),
                    TemplatePhase(name: "Into March", offsetDays: 40, lengthDays: 30, sharePercent: 50)]
        let plan = HandoffPlan.plan(contractValue: 10, start: date("2026-12-20"), templates: [t], fallbackName: "x")
        #expect(plan.phases.map(\.start) == [date("2026-12-30"), date("2027-01-29")])
        #expect(plan.phases.map(\.due) == [date("2027-01-13"), date("2027-02-28")])

        let leap = HandoffPlan.plan(contractValue: 10, start: date("2028-02-20"), templates: [onePhase(1, "L", lineTotal: "1")], fallbackName: "x")
        #expect(leap.phases[0].due == date("2028-02-27"))
        var twoWeeks = onePhase(1, "L", lineTotal: "1")
        twoWeeks.phases[0].lengthDays = 14
        #expect(HandoffPlan.plan(contractValue: 10, start: date("2028-02-20"), templates: [twoWeeks], fallbackName: "x").phases[0].due
                == date("2028-03-05"))
    }

    @Test func withNoTypicalProjectOnePhaseHoldsTheWholeValue() {
        let plan = HandoffPlan.plan(contractValue: d("2500.00"), start: date("2026-04-01"), templates: [], fallbackName: "Travel support")
        #expect(plan.phases == [PlannedPhase(position: 1, name: "Travel support", start: date("2026-04-01"), due: date("2026-05-01"),
                                             value: d("2500.00"), typicalProjectId: nil, skills: [])])
        #expect(plan.checklist.isEmpty)
    }

    @Test func templatesWithoutPhasesStillGiveAPhaseAndKeepTheirChecklist() {
        var t = onePhase(1, "Bare", lineTotal: "10", checklist: [ChecklistTemplateItem(text: "Signed off", required: true)])
        t.phases = []
        let plan = HandoffPlan.plan(contractValue: 10, start: date("2026-04-01"), templates: [t], fallbackName: "Delivery")
        #expect(plan.phases.map(\.name) == ["Delivery"])
        #expect(plan.phases[0].value == 10)
        #expect(plan.checklist == [ChecklistTemplateItem(text: "Signed off", required: true)])
    }

    @Test func checklistsMergeOnceEachRequiredIfAnyCopyIs() {
        let b = onePhase(2, "B", lineTotal: "1", checklist: [
            ChecklistTemplateItem(text: "  lessons LEARNED recorded ", required: true),
            ChecklistTemplateItem(text: "client signed the acceptance form", required: false),
            ChecklistTemplateItem(text: "Backup of the configuration saved", required: false),
        ])
        let plan = HandoffPlan.plan(contractValue: 10, start: date("2026-04-01"), templates: [networkAssessment, b], fallbackName: "x")
        #expect(plan.checklist == [
            ChecklistTemplateItem(text: "Client signed the acceptance form", required: true),
            ChecklistTemplateItem(text: "Lessons learned recorded", required: true),
            ChecklistTemplateItem(text: "Backup of the configuration saved", required: false),
        ])
    }

    @Test func planEncodesMoneyAndHoursAsStrings() throws {
        let plan = HandoffPlan.plan(contractValue: d("180000.00"), start: date("2026-04-01"), templates: [networkAssessment], fallbackName: "x")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(plan.phases[0]), as: UTF8.self)
        #expect(json == #"{"due":"2026-04-15","name":"Discovery","position":1,"skills":[{"hours":"40","skill":"network engineering"}],"start":"2026-04-01","typicalProjectId":4,"value":"45000.00"}"#)
        #expect(try JSONDecoder().decode(HandoffPlanResult.self, from: try encoder.encode(plan)) == plan)
    }

    @Test func templatePhasesDecodeFromTheApiBody() throws {
        let json = #"""
        [{"name": "Discovery", "offsetDays": 0, "lengthDays": 14, "sharePercent": "25",
          "skills": [{"skill": "network engineering", "hours": "40"}]},
         {"name": "Report", "offsetDays": 14, "lengthDays": 7, "sharePercent": "75",
          "skills": [{"skill": "network engineering", "hours": "16"}, {"skill": "writing", "hours": "8"}]}]
        """#
        let phases = try JSONDecoder().decode([TemplatePhase].self, from: Data(json.utf8))
        #expect(phases == networkAssessment.phases)
        var v = Validator()
        HandoffPlan.checkShares(phases, into: &v)
        #expect(v.errors.isEmpty)
    }

    @Test func sharesMustAddUpToExactly100() {
        var v = Validator()
        HandoffPlan.checkShares([TemplatePhase(name: "A", offsetDays: 0, lengthDays: 1, sharePercent: 20),
                                 TemplatePhase(name: "B", offsetDays: 1, lengthDays: 1, sharePercent: 75)], into: &v)
        #expect(v.errors == [FieldError("phases", "Phase shares must add up to exactly 100 (they add up to 95)")])

        var thirds = Validator()
        HandoffPlan.checkShares(["33.33", "33.33", "33.34"].map { TemplatePhase(name: "P", offsetDays: 0, lengthDays: 1, sharePercent: d($0)) },
                                into: &thirds)
        #expect(thirds.errors.isEmpty)
    }

    @Test func everyBrokenPhaseRuleIsReportedOnItsField() {
        var v = Validator()
        HandoffPlan.checkShares([
            TemplatePhase(name: " ", offsetDays: -1, lengthDays: 0, sharePercent: 100,
                          skills: [SkillHours(skill: "writing", hours: 8), SkillHours(skill: "", hours: 0)]),
            TemplatePhase(name: "Late", offsetDays: 3651, lengthDays: 3651, sharePercent: -5),
        ], into: &v)
        #expect(v.errors.map(\.field) == [
            "phases[0].name", "phases[0].offsetDays", "phases[0].lengthDays",
            "phases[0].skills[1].skill", "phases[0].skills[1].hours",
            "phases[1].offsetDays", "phases[1].lengthDays", "phases[1].sharePercent",
            "phases",
        ])
    }

    @Test func aTypicalProjectNeedsAPhase() {
        var v = Validator()
        HandoffPlan.checkShares([], into: &v)
        #expect(v.errors.map(\.field) == ["phases"])
    }

    @Test func checklistItemsAreNamedOnce() {
        var v = Validator()
        HandoffPlan.checkChecklist([ChecklistTemplateItem(text: "Signed", required: true),
                                    ChecklistTemplateItem(text: "", required: false),
                                    ChecklistTemplateItem(text: " SIGNED ", required: false)], into: &v)
        #expect(v.errors.map(\.field) == ["checklist[1].text", "checklist[2].text"])
    }
}
