@testable import BatonCore
import Foundation
import Testing

private let catalog: [(id: Int64, name: String)] = [
    (id: 1, name: "Network assessment"),
    (id: 2, name: "WAN refresh"),
    (id: 3, name: "cloud migration"),
    (id: 4, name: "Backup review"),
    (id: 5, name: "Security audit"),
    (id: 6, name: "Help desk"),
]

@Suite struct WhiteSpaceTests {
    @Test func neverBoughtMostBoughtInTheIndustryFirstThenByName() {
        // The account (with its hierarchy) has bought 1 and 6. Of the rest, Security
        // audit is bought most in the industry; Backup review and cloud migration tie
        // and go by name regardless of case; WAN refresh nobody bought.
        let items = WhiteSpace.rank(catalog: catalog, bought: [1, 6], boughtInIndustry: [1: 9, 3: 2, 4: 2, 5: 7])
        #expect(items == [
            WhiteSpaceItem(typicalProjectId: 5, name: "Security audit", industryBuyers: 7),
            WhiteSpaceItem(typicalProjectId: 4, name: "Backup review", industryBuyers: 2),
            WhiteSpaceItem(typicalProjectId: 3, name: "cloud migration", industryBuyers: 2),
            WhiteSpaceItem(typicalProjectId: 2, name: "WAN refresh", industryBuyers: 0),
        ])
    }

    @Test func everythingBoughtLeavesNoWhiteSpace() {
        #expect(WhiteSpace.rank(catalog: catalog, bought: Set(catalog.map(\.id)), boughtInIndustry: [:]).isEmpty)
        #expect(WhiteSpace.rank(catalog: [], bought: [], boughtInIndustry: [:]).isEmpty)
    }

    @Test func aWonDealNamesTheTypicalProjectsWhoseWordsItCarries() {
        #expect(WhiteSpace.named(inDeal: "Cloud Migration – phase 2", catalog: catalog) == [3])
        #expect(WhiteSpace.named(inDeal: "WAN refresh + security audit (Lyon)", catalog: catalog) == [2, 5])
        // Words, not letters: "Network assessments" is not "Network assessment", nor "WANrefresh".
        #expect(WhiteSpace.named(inDeal: "Network assessments", catalog: catalog).isEmpty)
        #expect(WhiteSpace.named(inDeal: "WANrefresh", catalog: catalog).isEmpty)
        #expect(WhiteSpace.named(inDeal: "Help", catalog: catalog).isEmpty)
    }

    @Test func theJSON() throws {
        let item = WhiteSpace.rank(catalog: catalog, bought: [], boughtInIndustry: [5: 7])[0]
        let json = try reportJSON(item)
        #expect(json["typicalProjectId"] as? Int == 5)
        #expect(json["name"] as? String == "Security audit")
        #expect(json["industryBuyers"] as? Int == 7)
    }
}
