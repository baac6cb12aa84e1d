import BatonCore
import Testing

@Suite struct StageAliasesTests {
    @Test(arguments: [
        ("appointmentscheduled", "prospecting"), ("qualifiedtobuy", "qualification"), ("presentationscheduled", "needs_analysis"),
        ("decisionmakerboughtin", "proposal"), ("contractsent", "negotiation"), ("closedwon", "closed_won"), ("closedlost", "closed_lost"),
        ("Prospecting", "prospecting"), ("Qualification", "qualification"), ("Needs Analysis", "needs_analysis"),
        ("Value Proposition", "needs_analysis"), ("Id. Decision Makers", "needs_analysis"), ("Perception Analysis", "needs_analysis"),
        ("Proposal/Price Quote", "proposal"), ("Negotiation/Review", "negotiation"), ("Closed Won", "closed_won"),
        ("Closed Lost", "closed_lost"), ("closed_won", "closed_won"), (" CLOSED-WON ", "closed_won"),
    ])
    func mapsKnownStages(raw: String, expected: String) {
        #expect(StageAliases.normalise(raw) == expected)
    }

    @Test(arguments: [("Technical Win", "technical_win"), ("  Legal - Review  ", "legal_review"), ("pilot_running", "pilot_running"), ("Stage 2", "stage_2")])
    func normalisesOtherStages(raw: String, expected: String) {
        #expect(StageAliases.normalise(raw) == expected)
    }
}

@Suite struct ImportSourceAndDomainTests {
    @Test func detectsTheSourceFromTheHeader() {
        #expect(ImportSource.detect(header: ["Record ID", "Deal Name"]) == .hubspot)
        #expect(ImportSource.detect(header: ["record id", "Id"]) == .hubspot)
        #expect(ImportSource.detect(header: ["ID", "Name"]) == .salesforce)
        #expect(ImportSource.detect(header: ["externalId", "name"]) == .baton)
    }

    @Test(arguments: [
        ("https://www.acme.com/about", "acme.com"), ("http://acme.com", "acme.com"), ("WWW.Acme.COM", "acme.com"),
        ("acme.com/", "acme.com"), ("https://shop.acme.co.uk:8443/x?y#z", "shop.acme.co.uk"), ("acme.com.", "acme.com"),
    ])
    func websitesBecomeDomains(website: String, expected: String) throws {
        let (rows, _) = try ImportMapping.accounts(try CSV.parse("Name,Website\nAcme,\(website)\n"))
        #expect(rows.first?.domain == expected)
    }
}
