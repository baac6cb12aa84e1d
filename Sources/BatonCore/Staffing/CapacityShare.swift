import Foundation

/// One person's working hours given out to the skills they hold, each hour once
/// (issue 18): the hours already used for a skill go to that skill (in name order, no
/// more than the hours there are), and what is left is shared equally among all their
/// skills, to 0.1 h (the reports show one place), the last skill taking the remainder. The result adds up to
/// `working` exactly (when they hold a skill), so skill lines summed over people are the
/// people's working hours, never a person counted in each of their skills.
public enum CapacityShare {
    public static func split(working: Decimal, held: [String], used: [String: Decimal]) -> [String: Decimal] {
        let skills = Array(Set(held)).sorted()
        guard !skills.isEmpty, working > 0 else { return [:] }
        var share: [String: Decimal] = [:]
        var left = working
        for skill in skills {
            let taken = min(left, max(0, used[skill] ?? 0))
            share[skill, default: 0] += taken
            left -= taken
        }
        guard left > 0 else { return share }
        let each = (left / Decimal(skills.count)).rounded(scale: 1)
        for (i, skill) in skills.enumerated() {
            share[skill, default: 0] += i == skills.count - 1 ? left - each * Decimal(skills.count - 1) : each
        }
        return share
    }
}
