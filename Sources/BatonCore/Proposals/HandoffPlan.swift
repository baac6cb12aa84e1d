import Dates
import Foundation

/// Hours of one skill that a phase needs. JSON: `{"skill": "writing", "hours": "8"}`.
public struct SkillHours: Sendable, Equatable, Codable {
    public var skill: String
    @DecimalText public var hours: Decimal

    public init(skill: String, hours: Decimal) {
        (self.skill, self.hours) = (skill, hours)
    }
}

/// One phase of a typical project's timeline, as the catalog defines it.
public struct TemplatePhase: Sendable, Equatable, Codable {
    public var name: String
    /// Days from the project's start to the phase's start.
    public var offsetDays: Int
    public var lengthDays: Int
    /// The phase's part of the project's value, in percent; a template's add up to 100.
    @DecimalText public var sharePercent: Decimal
    public var skills: [SkillHours]

    public init(name: String, offsetDays: Int, lengthDays: Int, sharePercent: Decimal, skills: [SkillHours] = []) {
        self.name = name
        self.offsetDays = offsetDays
        self.lengthDays = lengthDays
        self.sharePercent = sharePercent
        self.skills = skills
    }

    enum CodingKeys: String, CodingKey { case name, offsetDays, lengthDays, sharePercent, skills }

    /// Read by hand only because a phase without skills may leave them out.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        offsetDays = try c.decode(Int.self, forKey: .offsetDays)
        lengthDays = try c.decode(Int.self, forKey: .lengthDays)
        sharePercent = try c.decode(DecimalString.self, forKey: .sharePercent).value
        skills = try c.decodeIfPresent([SkillHours].self, forKey: .skills) ?? []
    }
}

/// One item of a typical project's completion checklist.
public struct ChecklistTemplateItem: Sendable, Equatable, Codable {
    public var text: String
    /// A required item must be checked before the final phase and the project complete.
    public var required: Bool

    public init(text: String, required: Bool) {
        (self.text, self.required) = (text, required)
    }
}

/// A typical project as it appears on an accepted proposal line: its template, and the
/// line's quantity and total that weigh it against the other lines.
public struct TemplateOnLine: Sendable, Equatable {
    public var typicalProjectId: Int64
    public var name: String
    public var phases: [TemplatePhase]
    public var checklist: [ChecklistTemplateItem]
    public var quantity, lineTotal: Decimal

    public init(typicalProjectId: Int64, name: String, phases: [TemplatePhase], checklist: [ChecklistTemplateItem],
                quantity: Decimal, lineTotal: Decimal) {
        self.typicalProjectId = typicalProjectId
        self.name = name
        self.phases = phases
        self.checklist = checklist
        self.quantity = quantity
        self.lineTotal = lineTotal
    }
}

/// A project phase as the handoff creates it: dated and valued.
public struct PlannedPhase: Sendable, Equatable {
    /// 1 for the first phase, in the order the project runs them by plan.
    public var position: Int
    public var name: String
    /// Its first day, and its due day start + length: a 14-day phase starting April 1
    /// is due April 15.
    public var start, due: CalendarDate
    public var value: Decimal
    /// The typical project the phase came from; nil for the fallback phase.
    public var typicalProjectId: Int64?
    public var skills: [SkillHours]
}

/// In JSON the value is money (`"45000.00"`) and a fallback phase's
/// `typicalProjectId` is an explicit null.
extension PlannedPhase: Codable {
    enum CodingKeys: String, CodingKey { case position, name, start, due, value, typicalProjectId, skills }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(position: try c.decode(Int.self, forKey: .position), name: try c.decode(String.self, forKey: .name),
                  start: try c.decode(CalendarDate.self, forKey: .start), due: try c.decode(CalendarDate.self, forKey: .due),
                  value: try c.decode(Money.self, forKey: .value).amount,
                  typicalProjectId: try c.decodeIfPresent(Int64.self, forKey: .typicalProjectId),
                  skills: try c.decode([SkillHours].self, forKey: .skills))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(position, forKey: .position)
        try c.encode(name, forKey: .name)
        try c.encode(start, forKey: .start)
        try c.encode(due, forKey: .due)
        try c.encode(Money(value), forKey: .value)
        try c.encode(typicalProjectId, forKey: .typicalProjectId)
        try c.encode(skills, forKey: .skills)
    }
}

public struct HandoffPlanResult: Sendable, Equatable, Codable {
    public var phases: [PlannedPhase]
    public var checklist: [ChecklistTemplateItem]
}

/// The project handoff's plan: the typical projects on the accepted lines turned into
/// dated, valued phases, the merged checklist and the skill hours.
public enum HandoffPlan {
    /// A project whose proposal named no typical project still needs something to
    /// complete and be credited for: one phase of this length holding the whole value.
    public static let fallbackLengthDays = 30
    /// Offsets and lengths beyond ten years are typing mistakes, and would run dates
    /// off the calendar.
    public static let maxDays = 3650

    /// - Parameters:
    ///   - contractValue: the accepted proposal's service value (`ProposalMath.split`):
    ///     the phase values add up to it exactly; pass-through lines (travel, expenses,
    ///     resale) are not in it, so no phase holds them and no one is credited for them.
    ///   - templates: the typical-project lines in line order; two lines of the same
    ///     typical project give its phases twice.
    public static func plan(contractValue: Decimal, start: CalendarDate, templates: [TemplateOnLine],
                            fallbackName: String) -> HandoffPlanResult {
        let checklist = mergedChecklist(templates)
        let weights = templateWeights(templates)

        var phases: [PlannedPhase] = []
        for (template, weight) in zip(templates, weights) {
            for phase in template.phases {
                let phaseStart = start.adding(days: phase.offsetDays)
                phases.append(PlannedPhase(
                    position: phases.count + 1, name: phase.name, start: phaseStart,
                    due: phaseStart.adding(days: phase.lengthDays),
                    // One multiplication chain and one division keep the value exact
                    // until the single rounding to cents.
                    value: Decimal.roundedQuotient(contractValue * weight.numerator * phase.sharePercent,
                                                   weight.denominator * 100, scale: 2),
                    typicalProjectId: template.typicalProjectId,
                    skills: phase.skills.map { SkillHours(skill: $0.skill, hours: $0.hours * template.quantity) }))
            }
        }

        guard !phases.isEmpty else {
            let phase = PlannedPhase(position: 1, name: fallbackName, start: start, due: start.adding(days: fallbackLengthDays),
                                     value: contractValue, typicalProjectId: nil, skills: [])
            return HandoffPlanResult(phases: [phase], checklist: checklist)
        }
        // The last phase takes what rounding left over, so the values add up exactly.
        let othersTotal = phases.dropLast().reduce(Decimal(0)) { $0 + $1.value }
        phases[phases.count - 1].value = contractValue - othersTotal
        return HandoffPlanResult(phases: phases, checklist: checklist)
    }

    /// Each template's part of the contract as a fraction kept unreduced (line total
    /// over the sum of them), so no division happens before the last one. With no
    /// money on any template line (all free of charge), each counts the same.
    private static func templateWeights(_ templates: [TemplateOnLine]) -> [(numerator: Decimal, denominator: Decimal)] {
        let sum = templates.reduce(Decimal(0)) { $0 + $1.lineTotal }
        if sum == 0 {
            return templates.map { _ in (1, Decimal(templates.count)) }
        }
        return templates.map { ($0.lineTotal, sum) }
    }

    /// Every template's items in order; an item that several templates share (same
    /// text, ignoring case and surrounding spaces) appears once, required if any copy is.
    private static func mergedChecklist(_ templates: [TemplateOnLine]) -> [ChecklistTemplateItem] {
        var items: [ChecklistTemplateItem] = []
        var indexByKey: [String: Int] = [:]
        for item in templates.flatMap(\.checklist) {
            let key = item.text.trimmed.lowercased()
            if let i = indexByKey[key] {
                items[i].required = items[i].required || item.required
            } else {
                indexByKey[key] = items.count
                items.append(item)
            }
        }
        return items
    }

    /// The rules of a typical project's phases, each broken one on its field.
    public static func checkShares(_ phases: [TemplatePhase], into v: inout Validator) {
        guard !phases.isEmpty else {
            v.add("phases", "A typical project needs at least one phase; add one with a 100 percent share")
            return
        }
        for (i, phase) in phases.enumerated() {
            let f = "phases[\(i)]"
            let name = phase.name.trimmed
            v.check(!name.isEmpty && name.count <= 200, "\(f).name", "Phase name must be 1 to 200 characters")
            v.check((0...maxDays).contains(phase.offsetDays), "\(f).offsetDays",
                    "Offset must be from 0 to \(maxDays) days after the project's start")
            v.check((1...maxDays).contains(phase.lengthDays), "\(f).lengthDays", "Length must be from 1 to \(maxDays) days")
            v.check((0...100).contains(phase.sharePercent), "\(f).sharePercent", "Share must be from 0 to 100 percent")
            for (j, need) in phase.skills.enumerated() {
                v.check(!need.skill.trimmed.isEmpty, "\(f).skills[\(j)].skill", "Name the skill this phase needs")
                v.check(need.hours > 0, "\(f).skills[\(j)].hours", "Hours must be more than 0; remove the skill if the phase does not need it")
            }
        }
        let total = phases.reduce(Decimal(0)) { $0 + $1.sharePercent }
        v.check(total == 100, "phases", "Phase shares must add up to exactly 100 (they add up to \(total.plainText))")
    }

    /// The rules of a typical project's completion checklist.
    public static func checkChecklist(_ items: [ChecklistTemplateItem], into v: inout Validator) {
        var seen: Set<String> = []
        for (i, item) in items.enumerated() {
            let text = item.text.trimmed
            v.check(!text.isEmpty && text.count <= 500, "checklist[\(i)].text", "Checklist item must be 1 to 500 characters")
            if !text.isEmpty, !seen.insert(text.lowercased()).inserted {
                v.add("checklist[\(i)].text", "This item is already on the checklist; remove the copy")
            }
        }
    }
}
