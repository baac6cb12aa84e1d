import BatonCore
import Foundation
import Testing

private func d(_ text: String) -> Decimal { Decimal(apiText: text)! }

/// The plan of BONUS.md's worked example.
private let example = BonusPlanRules(
    method: .marginal, targetBonus: d("10000.00"), threshold: d("0.50"),
    tiers: [BonusTier(from: 0, to: d("1.00"), rate: d("1.0")), BonusTier(from: d("1.00"), to: nil, rate: d("1.5"))],
    cap: d("2.0"), lateCreditPercent: 50)

private func errors(_ rules: BonusPlanRules) -> [FieldError] {
    var v = Validator()
    rules.check(into: &v)
    return v.errors
}

private func fields(_ rules: BonusPlanRules) -> [String] { errors(rules).map(\.field) }

private func with(_ change: (inout BonusPlanRules) -> Void) -> BonusPlanRules {
    var rules = example
    change(&rules)
    return rules
}

@Suite struct BonusPlanTests {
    @Test func theWorkedExamplesPlanIsValid() {
        #expect(errors(example).isEmpty)
        var v = Validator()
        BonusPlanRules.check(example, into: &v)
        #expect(v.errors.isEmpty)
        // One open tier is the simplest plan there is.
        #expect(errors(with { $0.tiers = [BonusTier(from: 0, to: nil, rate: 1)]; $0.cap = nil; $0.threshold = 0 }).isEmpty)
    }

    @Test func aPlanNeedsTiers() {
        #expect(errors(with { $0.tiers = [] }) == [
            FieldError("tiers", "A plan needs at least one tier: for example from 0, to null, rate 1.0"),
        ])
    }

    @Test func theFirstTierStartsAtZero() {
        let rules = with { $0.tiers[0].from = d("0.5") }
        #expect(fields(rules) == ["tiers[0].from"])
        #expect(errors(rules).first?.message.contains("must start at 0") == true)
    }

    @Test func tiersMayNotLeaveGapsOrOverlap() {
        let gap = with { $0.tiers[1].from = d("1.10") }
        #expect(fields(gap) == ["tiers[1].from"])
        #expect(errors(gap).first?.message.contains("leaves a gap") == true)
        let overlap = with { $0.tiers[1].from = d("0.90") }
        #expect(fields(overlap) == ["tiers[1].from"])
        #expect(errors(overlap).first?.message.contains("overlaps") == true)
        // 1.0 and 1.00 are the same bound.
        #expect(errors(with { $0.tiers[1].from = d("1.0") }).isEmpty)
    }

    @Test func onlyTheLastTierIsOpenEnded() {
        let openMiddle = with {
            $0.tiers = [BonusTier(from: 0, to: nil, rate: 1), BonusTier(from: 1, to: nil, rate: 2)]
        }
        #expect(fields(openMiddle) == ["tiers[0].to"])
        #expect(errors(openMiddle).first?.message.contains("Only the last tier may be open-ended") == true)
        let boundedLast = with { $0.tiers[1].to = 3 }
        #expect(fields(boundedLast) == ["tiers[1].to"])
        #expect(errors(boundedLast).first?.message.contains("no upper bound") == true)
    }

    @Test func aTierEndsAboveItsStart() {
        let rules = with {
            $0.tiers = [BonusTier(from: 0, to: 1, rate: 1), BonusTier(from: 1, to: 1, rate: 1), BonusTier(from: 1, to: nil, rate: 2)]
        }
        #expect(fields(rules) == ["tiers[1].to"])
        // The next tier starting where this one wrongly ends is not a second mistake.
        #expect(fields(with { $0.tiers[0].to = d("-1"); $0.tiers[1].from = d("-1") }) == ["tiers[0].to"])
    }

    @Test func ratesAreNeverNegative() {
        #expect(fields(with { $0.tiers[1].rate = d("-0.5") }) == ["tiers[1].rate"])
        #expect(errors(with { $0.tiers[0].rate = 0 }).isEmpty)
    }

    @Test func amountsAndFractionsAreInRange() {
        #expect(fields(with { $0.cap = d("-1") }) == ["cap"])
        #expect(errors(with { $0.cap = nil }).isEmpty)
        #expect(errors(with { $0.cap = 0 }).isEmpty)
        #expect(fields(with { $0.threshold = d("-0.01") }) == ["threshold"])
        #expect(fields(with { $0.targetBonus = d("-1.00") }) == ["targetBonus"])
        #expect(fields(with { $0.targetBonus = d("1.005") }) == ["targetBonus"])
        #expect(fields(with { $0.lateCreditPercent = d("100.5") }) == ["lateCreditPercent"])
        #expect(fields(with { $0.lateCreditPercent = d("-1") }) == ["lateCreditPercent"])
        #expect(errors(with { $0.lateCreditPercent = 0 }).isEmpty)
        #expect(errors(with { $0.lateCreditPercent = 100 }).isEmpty)
    }

    @Test func everyBrokenRuleIsReportedAtOnce() {
        let rules = BonusPlanRules(
            method: .retroactive, targetBonus: -1, threshold: -1,
            tiers: [BonusTier(from: 1, to: nil, rate: -1), BonusTier(from: 2, to: 1, rate: 1)],
            cap: -1, lateCreditPercent: 101)
        #expect(Set(fields(rules)) == [
            "targetBonus", "threshold", "cap", "lateCreditPercent",
            "tiers[0].from", "tiers[0].to", "tiers[0].rate", "tiers[1].to",
        ])
    }

    @Test func tooManyTiers() {
        let tiers = (0..<21).map { BonusTier(from: Decimal($0), to: $0 == 20 ? nil : Decimal($0 + 1), rate: 1) }
        #expect(fields(with { $0.tiers = tiers }) == ["tiers"])
    }

    @Test func plansTravelWithDecimalsAsStrings() throws {
        let json = """
            {"method": "marginal", "targetBonus": "10000.00", "threshold": "0.50",
             "tiers": [{"from": "0", "to": "1.00", "rate": "1.0"}, {"from": "1.00", "to": null, "rate": "1.5"}],
             "cap": "2.0", "lateCreditPercent": "50"}
            """
        let decoded = try JSONDecoder().decode(BonusPlanRules.self, from: Data(json.utf8))
        #expect(decoded == example)

        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(example)) as? [String: Any]
        let tiers = try #require(encoded?["tiers"] as? [[String: Any]])
        #expect(tiers[1]["to"] is NSNull)
        #expect(tiers[1]["rate"] as? String == "1.5")
        #expect(encoded?["targetBonus"] as? String == "10000.00")

        // The method defaults to marginal; no cap is a missing or null cap.
        let minimal = """
            {"targetBonus": "500.00", "threshold": "0", "tiers": [{"from": "0", "rate": "1"}], "cap": null,
             "lateCreditPercent": "0"}
            """
        let plan = try JSONDecoder().decode(BonusPlanRules.self, from: Data(minimal.utf8))
        #expect(plan.method == .marginal && plan.cap == nil && plan.tiers == [BonusTier(from: 0, to: nil, rate: 1)])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(BonusPlanRules.self, from: Data(minimal.replacingOccurrences(of: "\"500.00\"", with: "500").utf8))
        }
    }
}
