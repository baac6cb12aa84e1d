@testable import BatonCore
import Dates
import Foundation
import Testing

/// Our own export, read back: it must come in exactly as it went out.
@Suite struct BatonFormatImportTests {
    @Test func exportColumnsAreOurOwn() {
        #expect(ImportMapping.exportColumns(.accounts) == [
            "externalId", "name", "domain", "industry", "ownerEmail", "parentExternalId", "status", "street", "city",
            "region", "postalCode", "country",
        ])
        #expect(ImportMapping.exportColumns(.contacts) == [
            "externalId", "accountExternalId", "name", "email", "phone", "title", "buyingRole", "doNotContact",
        ])
        #expect(ImportMapping.exportColumns(.opportunities) == [
            "externalId", "accountExternalId", "name", "kind", "stage", "amount", "closeDate", "ownerEmail", "nextStep",
            "source", "probability", "forecastCategory", "lostReason", "wonOn", "lostOn", "createdOn",
        ])
        for kind in ImportKind.allCases {
            #expect(ImportSource.detect(header: ImportMapping.exportColumns(kind)) == .baton)
        }
    }

    @Test func accountsRoundTrip() throws {
        let file = CSV.write(header: ImportMapping.exportColumns(.accounts), rows: [
            ["sf:001", "Acme, Inc.", "acme.com", "Technology", "ana@firm.test", "", "active", "1 Market St\nSuite 300", "San Francisco", "CA", "94105", "USA"],
            ["A-2", "=Evil Corp", "", "", "", "sf:001", "prospect", "", "", "", "", ""],
            ["", "No Id Ltd", "", "", "", "", "former", "", "", "", "", ""],
        ])
        let (rows, issues) = try ImportMapping.accounts(try CSV.parse(file))
        #expect(issues == [])
        #expect(rows == [
            AccountImportRow(
                line: 2, externalId: "sf:001", name: "Acme, Inc.", domain: "acme.com", industry: "Technology", ownerRef: "ana@firm.test",
                status: "active", street: "1 Market St\nSuite 300", city: "San Francisco", region: "CA", postalCode: "94105", country: "USA"),
            // The name was neutralised on the way out and is restored on the way in.
            AccountImportRow(line: 4, externalId: "A-2", name: "=Evil Corp", parentExternalId: "sf:001", status: "prospect"),
            AccountImportRow(line: 5, name: "No Id Ltd", status: "former"),
        ])
    }

    @Test func contactsRoundTrip() throws {
        let file = CSV.write(header: ImportMapping.exportColumns(.contacts), rows: [
            ["hs:501", "hs:42", "Ana Torres", "ana@acme.com", "+1 415 555 0101", "VP Operations", "decision_maker", "false"],
            ["c-2", "hs:42", "Li Chen", "", "", "", "technical", "true"],
        ])
        #expect(file.contains("'+1 415 555 0101"))
        let (rows, issues) = try ImportMapping.contacts(try CSV.parse(file))
        #expect(issues == [])
        #expect(rows == [
            ContactImportRow(
                line: 2, externalId: "hs:501", accountExternalId: "hs:42", name: "Ana Torres", email: "ana@acme.com",
                phone: "+1 415 555 0101", title: "VP Operations", buyingRole: "decision_maker"),
            ContactImportRow(line: 3, externalId: "c-2", accountExternalId: "hs:42", name: "Li Chen", buyingRole: "technical", doNotContact: true),
        ])
    }

    @Test func opportunitiesRoundTrip() throws {
        let file = CSV.write(header: ImportMapping.exportColumns(.opportunities), rows: [
            ["o-1", "sf:001", "Acme renewal", "renewal", "negotiation", "84000.00", "2026-12-15", "ana@firm.test", "Send redlines",
             "Partner", "80", "commit", ""],
            ["o-2", "sf:001", "Acme lost", "expansion", "closed_lost", "0.00", "2026-01-31", "", "", "", "0", "omitted", "Price, timing"],
            ["o-3", "", "Custom stage", "new_business", "technical_win", "12.50", "", "", "", "", "12.5", "best_case", ""],
        ])
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse(file))
        #expect(issues == [])
        #expect(rows == [
            OpportunityImportRow(
                line: 2, externalId: "o-1", accountExternalId: "sf:001", name: "Acme renewal", kind: "renewal", stageRef: "negotiation",
                amount: Decimal(84000), closeDate: CalendarDate(year: 2026, month: 12, day: 15), ownerRef: "ana@firm.test",
                nextStep: "Send redlines", source: "Partner", probability: 80, forecastCategory: "commit"),
            OpportunityImportRow(
                line: 3, externalId: "o-2", accountExternalId: "sf:001", name: "Acme lost", kind: "expansion", stageRef: "closed_lost",
                amount: Decimal(0), closeDate: CalendarDate(year: 2026, month: 1, day: 31), probability: 0, forecastCategory: "omitted",
                lostReason: "Price, timing"),
            OpportunityImportRow(
                line: 4, externalId: "o-3", name: "Custom stage", kind: "new_business", stageRef: "technical_win",
                amount: Decimal(string: "12.5"), probability: Decimal(string: "12.5"), forecastCategory: "best_case"),
        ])
    }

    @Test func matchesHeadersIgnoringCaseAndSpaces() throws {
        let file = "Name,Billing City,billingpostalcode,BILLING_COUNTRY,Owner Email\nAcme,Berlin,10117,Germany,ana@firm.test\n"
        let (rows, _) = try ImportMapping.accounts(try CSV.parse(file))
        #expect(rows == [AccountImportRow(line: 2, name: "Acme", ownerRef: "ana@firm.test", city: "Berlin", postalCode: "10117", country: "Germany")])
    }

    @Test func ignoresColumnsItDoesNotKnow() throws {
        let (rows, issues) = try ImportMapping.accounts(try CSV.parse("name,favourite colour\nAcme,teal\n"))
        #expect(rows == [AccountImportRow(line: 2, name: "Acme")])
        #expect(issues == [])
    }
}
