import Dates
import Foundation

/// Allocates people's free working hours to skill needs so that as many needed hours
/// as possible are covered and no hour is counted twice: an exact maximum flow.
///
/// The graph: source → (person, stretch of days) → need → sink.
/// - The days from the first need's start to the last need's end are cut into
///   stretches at every need's start and end, so within a stretch the same needs are
///   open. A person's node for a stretch holds their free hours in it
///   (`Allocation.freeHours`): each hour once.
/// - A (person, stretch) node reaches every need open over that stretch whose skill the
///   person has, without limit.
/// - A need takes at most its hours to the sink.
///
/// A maximum flow (Edmonds–Karp: shortest augmenting paths, a bounded number of them
/// whatever the capacities, and exact with `Decimal`) is then the most hours that can
/// be covered. When needs compete for the same hours and not all can be met, the
/// earlier need (in the order given: by phase, then as listed) is served first: the
/// needs are opened to the sink one at a time, each followed by a maximum flow, and the
/// flow into a need never goes down afterwards (no augmenting path leaves the sink). No approximation is made: hours inside a stretch are interchangeable
/// for the needs open in it, so any day-by-day plan is a flow here and back.
public enum CapacityAllocation {
    public struct Edge: Hashable, Sendable {
        public var person: Int64
        public var need: Int
    }

    public struct Plan: Sendable, Equatable {
        /// Hours given to each need, in the order of the needs.
        public var allocated: [Decimal]
        /// Hours each person gives each need (by the need's index); only positive entries.
        public var flow: [Edge: Decimal]
        public var total: Decimal { allocated.reduce(0, +) }
    }

    public static func allocate(needs: [CapacityNeed], people: [PersonAvailability]) -> Plan {
        let keys = needs.map { $0.skill.trimmed.lowercased() }
        let bounds = Array(Set(needs.flatMap { [$0.start, $0.end] })).sorted()
        var graph = FlowGraph()
        let source = graph.addNode(), sink = graph.addNode()
        var sinkEdges: [Int] = []
        let needNodes = needs.map { _ -> Int in
            let n = graph.addNode()
            sinkEdges.append(graph.addEdge(n, sink, 0))
            return n
        }
        let unlimited = needs.reduce(Decimal(1)) { $0 + max(0, $1.hours) }
        var slotEdges: [(edge: Int, person: Int64, need: Int)] = []
        for person in people {
            let held = Set(keys.indices.filter { person.hasSkill(keys[$0]) })
            guard !held.isEmpty else { continue }
            for (from, to) in zip(bounds, bounds.dropFirst()) {
                let open = held.filter { needs[$0].start <= from && to <= needs[$0].end }.sorted()
                guard !open.isEmpty else { continue }
                let free = CapacityCheck.freeHours(person, from: from, to: to)
                guard free > 0 else { continue }
                let slot = graph.addNode()
                graph.addEdge(source, slot, free)
                for i in open { slotEdges.append((graph.addEdge(slot, needNodes[i], unlimited), person.userId, i)) }
            }
        }
        for (i, need) in needs.enumerated() {
            graph.raise(sinkEdges[i], by: max(0, need.hours))
            graph.maxFlow(source, sink)
        }
        var flow: [Edge: Decimal] = [:]
        var allocated = Array(repeating: Decimal(0), count: needs.count)
        for s in slotEdges {
            let f = graph.flow(on: s.edge)
            guard f > 0 else { continue }
            flow[Edge(person: s.person, need: s.need), default: 0] += f
            allocated[s.need] += f
        }
        return Plan(allocated: allocated, flow: flow)
    }
}

/// A small flow network with exact capacities.
struct FlowGraph {
    private var to: [Int] = []
    private var capacity: [Decimal] = []
    private var original: [Decimal] = []
    private var adjacent: [[Int]] = []

    mutating func addNode() -> Int {
        adjacent.append([])
        return adjacent.count - 1
    }

    /// Adds `a → b` and its residual `b → a`; the index of the forward edge.
    @discardableResult
    mutating func addEdge(_ a: Int, _ b: Int, _ cap: Decimal) -> Int {
        let e = to.count
        to.append(b); capacity.append(cap); original.append(cap); adjacent[a].append(e)
        to.append(a); capacity.append(0); original.append(0); adjacent[b].append(e + 1)
        return e
    }

    func flow(on edge: Int) -> Decimal { original[edge] - capacity[edge] }

    /// Lets `amount` more through a forward edge.
    mutating func raise(_ edge: Int, by amount: Decimal) {
        capacity[edge] += amount
        original[edge] += amount
    }

    /// Edmonds–Karp: augments along shortest paths until none is left.
    mutating func maxFlow(_ source: Int, _ sink: Int) {
        while true {
            var via = Array(repeating: -1, count: adjacent.count)
            var queue = [source]
            var head = 0
            var seen = Set([source])
            while head < queue.count, !seen.contains(sink) {
                let u = queue[head]
                head += 1
                for e in adjacent[u] where capacity[e] > 0 && !seen.contains(to[e]) {
                    seen.insert(to[e])
                    via[to[e]] = e
                    queue.append(to[e])
                }
            }
            guard seen.contains(sink) else { return }
            var bottleneck: Decimal?
            var v = sink
            while v != source {
                let e = via[v]
                bottleneck = min(bottleneck ?? capacity[e], capacity[e])
                v = to[e ^ 1]
            }
            guard let push = bottleneck, push > 0 else { return }
            v = sink
            while v != source {
                let e = via[v]
                capacity[e] -= push
                capacity[e ^ 1] += push
                v = to[e ^ 1]
            }
        }
    }
}
