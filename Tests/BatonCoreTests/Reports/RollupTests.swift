import BatonCore
import Foundation
import Testing

@Suite struct RollupTests {
    @Test func eachPersonsLineIsThemselvesAndEveryoneBelowDepthFirstByName() {
        let lines = Rollup.lines(reportingLine, under: 3)
        #expect(lines == [
            3: [3, 4, 7, 8, 5, 10],
            4: [4, 7, 8],
            7: [7],
            8: [8],
            5: [5, 10],
            10: [10],
        ])
    }

    @Test func aRootBelowTheTopLimitsTheTree() {
        #expect(Rollup.lines(reportingLine, under: 4) == [4: [4, 7, 8], 7: [7], 8: [8]])
        #expect(Rollup.lines(reportingLine, under: 8) == [8: [8]])
    }

    @Test func noRootMeansEveryoneFromEachTop() {
        // Kai's manager is outside the list the caller may see: Kai is a top of his own.
        let people = reportingLine + [PersonNode(id: 20, name: "Kai", managerId: 99), PersonNode(id: 21, name: "Lu", managerId: 20)]
        let lines = Rollup.lines(people, under: nil)
        #expect(lines[3] == [3, 4, 7, 8, 5, 10])
        #expect(lines[20] == [20, 21])
        #expect(lines.count == 8)
    }

    @Test func aRootOutsideTheListStandsForItsDirectReports() {
        let lines = Rollup.lines(reportingLine.filter { $0.id != 3 }, under: 3)
        #expect(lines[4] == [4, 7, 8])
        #expect(lines[5] == [5, 10])
        #expect(lines[3] == nil)
        #expect(Rollup.lines(reportingLine, under: 999).isEmpty)
    }

    @Test func aManagerCycleEndsInsteadOfLooping() {
        let cycle = [PersonNode(id: 1, name: "A", managerId: 2), PersonNode(id: 2, name: "B", managerId: 1)]
        #expect(Rollup.lines(cycle, under: 1) == [1: [1, 2], 2: [2]])
        // Nobody in a cycle is at the top, so "everyone" finds no tree to walk.
        #expect(Rollup.lines(cycle, under: nil).isEmpty)
        let selfManaged = [PersonNode(id: 1, name: "A", managerId: 1)]
        #expect(Rollup.lines(selfManaged, under: nil) == [1: [1]])
        #expect(!Rollup.isManager(1, in: selfManaged))
    }

    @Test func aManagerHasSomeoneBelow() {
        #expect(Rollup.isManager(3, in: reportingLine))
        #expect(Rollup.isManager(4, in: reportingLine))
        #expect(Rollup.isManager(5, in: reportingLine))
        #expect(!Rollup.isManager(7, in: reportingLine))
        #expect(!Rollup.isManager(10, in: reportingLine))
    }

    @Test func theRollupQuotaIsOwnElseTheTeamsRecursively() {
        // Max has no quota: his is Ana's and Bo's. Zoe has her own, which wins over Eve's.
        // Dee has none: hers is Max's roll-up plus Zoe's.
        let own: [Int64: Decimal] = [7: 120_000, 8: 100_000, 5: 50_000, 10: 30_000]
        let quotas = Rollup.quotas(reportingLine, under: 3, own: own)
        #expect(quotas[4] == 220_000)
        #expect(quotas[5] == 50_000)
        #expect(quotas[3] == 270_000)
        #expect(quotas[7] == 120_000)
        #expect(quotas[10] == 30_000)
    }

    @Test func aBranchWithNoQuotaAnywhereHasNoRollupQuota() {
        let quotas = Rollup.quotas(reportingLine, under: 3, own: [7: 120_000])
        #expect(quotas[4] == 120_000)
        #expect(quotas[3] == 120_000)
        #expect(quotas[5] == nil)
        #expect(quotas[10] == nil)
    }
}
