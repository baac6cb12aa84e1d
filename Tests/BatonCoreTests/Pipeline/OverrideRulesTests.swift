import BatonCore
import Foundation
import Testing

/// What a stage move does to a deal's overrides, without a database.
@Suite struct OverrideRulesTests {
    let proposal = Stage(key: "proposal", name: "Proposal", order: 4, probability: 60, forecastCategory: .bestCase)
    let won = Stage(key: "closed_won", name: "Closed won", order: 7, probability: 100, forecastCategory: .closed, isWon: true)

    @Test func aMoveReplacesBothOverridesAndSaysSo() {
        let outcome = OverrideRules.afterMove(to: proposal, probabilityOverride: 35, categoryOverride: .commit,
                                              keep: false, setsProbability: false, setsCategory: false)
        #expect(outcome.probabilityOverride == nil && outcome.categoryOverride == nil)
        #expect(outcome.replaced?.probability == DecimalString(35))
        #expect(outcome.replaced?.forecastCategory == .commit)
        #expect(outcome.replaced?.stage == "proposal")
        #expect(outcome.replaced?.message == "Moving to Proposal replaced the probability override (35%) by the stage's 60% and "
                + "the forecast category override (commit) by the stage's best_case. "
                + "To keep an override through a move, tick \"keep my override\" (keepOverride: true in the API).")
    }

    @Test func keepingKeepsAndSaysNothing() {
        let outcome = OverrideRules.afterMove(to: proposal, probabilityOverride: 35, categoryOverride: nil,
                                              keep: true, setsProbability: false, setsCategory: false)
        #expect(outcome == OverrideRules.Outcome(probabilityOverride: 35, categoryOverride: nil, replaced: nil))
    }

    @Test func aFieldTheChangeSetsIsNotReplacedAndNoOverrideMeansNoWord() {
        let set = OverrideRules.afterMove(to: proposal, probabilityOverride: 35, categoryOverride: .commit,
                                          keep: false, setsProbability: true, setsCategory: false)
        #expect(set.replaced?.probability == nil && set.replaced?.forecastCategory == .commit)
        let none = OverrideRules.afterMove(to: proposal, probabilityOverride: nil, categoryOverride: nil,
                                           keep: false, setsProbability: false, setsCategory: false)
        #expect(none.replaced == nil)
    }

    @Test func aClosedStageReplacesWithoutOfferingToKeep() {
        let outcome = OverrideRules.afterMove(to: won, probabilityOverride: 80, categoryOverride: nil,
                                              keep: false, setsProbability: false, setsCategory: false)
        #expect(outcome.replaced?.message == "Moving to Closed won replaced the probability override (80%) by the stage's 100%.")
    }
}
