import Foundation

/// One person as the reporting line sees them: who they are and whom they report to.
public struct PersonNode: Sendable, Hashable, Codable {
    public var id: Int64
    public var name: String
    public var managerId: Int64?

    public init(id: Int64, name: String, managerId: Int64?) {
        (self.id, self.name, self.managerId) = (id, name, managerId)
    }
}

/// The reporting line (user → manager), walked for roll-ups: a manager's figures are
/// their own plus everyone below them, at any depth.
public enum Rollup {
    /// For each person in the tree under `root` (the root included), the ids of their
    /// whole line: themselves first, then everyone below them, depth first.
    ///
    /// With `root` nil the tree is everyone: the top of each branch is a person with no
    /// manager, or whose manager is not in `people` (outside the caller's view).
    /// A `root` that is not among `people` (a caller who may see only those below it)
    /// stands for its direct reports' branches.
    /// A manager cycle, which the database should never hold, is cut where it closes
    /// rather than looping forever.
    public static func lines(_ people: [PersonNode], under root: Int64?) -> [Int64: [Int64]] {
        let tree = Tree(people)
        var result: [Int64: [Int64]] = [:]
        for top in tree.tops(under: root) {
            var visited: Set<Int64> = []
            _ = collect(top, tree: tree, visited: &visited, into: &result)
        }
        return result
    }

    /// For each person in the tree under `root`, the quota their roll-up row measures
    /// against: their own when set; otherwise the sum, over the people directly below
    /// them, of each one's roll-up quota (own if set, else their own sum below), so a
    /// manager without a target of their own carries their team's. Nil when nobody in
    /// the branch has a quota, so that "no quota" is never shown as a quota of zero.
    public static func quotas(_ people: [PersonNode], under root: Int64?,
                              own: [Int64: Decimal]) -> [Int64: Decimal] {
        let tree = Tree(people)
        var result: [Int64: Decimal] = [:]
        var visited: Set<Int64> = []
        func quota(_ id: Int64) -> Decimal? {
            guard visited.insert(id).inserted else { return nil }
            // Every branch is walked even when the person has their own quota, so that
            // each person below gets their roll-up quota too.
            var sum: Decimal?
            for child in tree.children(of: id) {
                if let q = quota(child) { sum = (sum ?? 0) + q }
            }
            let q = own[id] ?? sum
            result[id] = q
            return q
        }
        for top in tree.tops(under: root) { _ = quota(top) }
        return result
    }

    /// Whether anyone reports to `id`: a manager gets a roll-up row in the reports.
    public static func isManager(_ id: Int64, in people: [PersonNode]) -> Bool {
        people.contains { $0.managerId == id && $0.id != id }
    }

    /// The people under `root` depth first, each with their depth (the tops at 0),
    /// children in name order: the order in which the reports list their rows.
    static func walk(_ people: [PersonNode], under root: Int64?) -> [(person: PersonNode, depth: Int)] {
        let tree = Tree(people)
        var order: [(person: PersonNode, depth: Int)] = []
        var visited: Set<Int64> = []
        func visit(_ id: Int64, _ depth: Int) {
            guard let person = tree.byId[id], visited.insert(id).inserted else { return }
            order.append((person, depth))
            for child in tree.children(of: id) { visit(child, depth + 1) }
        }
        for top in tree.tops(under: root) { visit(top, 0) }
        return order
    }

    /// Fills `result` with the line of `id` and of everyone below, and returns the line.
    private static func collect(_ id: Int64, tree: Tree, visited: inout Set<Int64>,
                                into result: inout [Int64: [Int64]]) -> [Int64] {
        guard visited.insert(id).inserted else { return [] }
        var line = [id]
        for child in tree.children(of: id) {
            line += collect(child, tree: tree, visited: &visited, into: &result)
        }
        result[id] = line
        return line
    }

    /// The line indexed both ways. Children are sorted by name, then id, so that every
    /// report lists the same people in the same order from one request to the next.
    struct Tree {
        var byId: [Int64: PersonNode] = [:]
        private var below: [Int64: [Int64]] = [:]
        private var ordered: [PersonNode]

        init(_ people: [PersonNode]) {
            ordered = people.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
            for person in ordered where byId[person.id] == nil {
                byId[person.id] = person
            }
            for person in byId.values.sorted(by: { ($0.name, $0.id) < ($1.name, $1.id) }) {
                // Someone recorded as their own manager is at the top, not below themselves.
                if let manager = person.managerId, manager != person.id {
                    below[manager, default: []].append(person.id)
                }
            }
        }

        func children(of id: Int64) -> [Int64] { below[id] ?? [] }

        func tops(under root: Int64?) -> [Int64] {
            if let root {
                return byId[root] != nil ? [root] : children(of: root)
            }
            var seen: Set<Int64> = []
            return ordered.compactMap { person in
                guard seen.insert(person.id).inserted else { return nil }
                guard let manager = person.managerId, manager != person.id, byId[manager] != nil else {
                    return person.id
                }
                return nil
            }
        }
    }
}
