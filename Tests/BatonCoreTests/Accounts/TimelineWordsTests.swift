import BatonCore
import Testing

@Suite struct TimelineWordsTests {
    let stages = ["proposal": "Proposal", "closed_won": "Closed won"]

    @Test func aStageMoveIsSaidWithTheDealsNameAndTheAmountChangeBeneath() {
        let line = TimelineWords.describe(
            actor: "Ana", entity: "opportunity", name: "Warehouse Wi-Fi", action: "update", subject: nil,
            changes: ["stage": .init(old: .text("needs_analysis"), new: .text("proposal")),
                      "amount": .init(old: .text("30000.00"), new: .text("35000.00")),
                      "stageEnteredAt": .init(old: .text("2026-12-01T10:00:00Z"), new: .text("2026-12-05T10:00:00Z"))],
            stageNames: stages)
        #expect(line.sentence == "Ana moved Warehouse Wi-Fi to Proposal")
        #expect(line.details == ["amount 30,000 → 35,000"])
        #expect(line.kind == "deal")
    }

    @Test func aChangeWithoutAStageNamesTheFieldsInWords() {
        let line = TimelineWords.describe(
            actor: "Ana", entity: "opportunity", name: "Warehouse Wi-Fi", action: "update", subject: nil,
            changes: ["closeDate": .init(old: .text("2026-12-20"), new: .text("2027-01-15")),
                      "nextStep": .init(old: .null, new: .text("Call Bea")),
                      "amount": .init(old: .text("1234.50"), new: .text("1234.50"))])
        #expect(line.sentence == "Ana changed deal Warehouse Wi-Fi")
        #expect(line.details == ["close date 2026-12-20 → 2027-01-15", "next step nothing → Call Bea"])
    }

    @Test func creationsArchivesAndActivitiesReadAsSentences() {
        #expect(TimelineWords.describe(actor: "Ana", entity: "opportunity", name: nil, action: "create", subject: nil,
                                       changes: ["name": .init(old: .null, new: .text("Warehouse Wi-Fi"))]).sentence
                == "Ana added deal Warehouse Wi-Fi")
        #expect(TimelineWords.describe(actor: nil, entity: "contact", name: "Bea Ruiz", action: "archive", subject: nil,
                                       changes: [:]).sentence == "Someone archived contact Bea Ruiz")
        let call = TimelineWords.describe(actor: "Ana", entity: "activity", name: nil, action: "email", subject: "Sent the quote", changes: [:])
        #expect(call.sentence == "Ana logged an email: Sent the quote")
        #expect(call.kind == "activity")
        #expect(TimelineWords.describe(actor: "Ana", entity: "account", name: "Acme", action: "update", subject: nil,
                                       changes: ["address.city": .init(old: .text("Lyon"), new: .text("Paris"))]).details
                == ["address city Lyon → Paris"])
    }
}
