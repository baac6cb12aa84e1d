@testable import BatonCore
import Dates
import Foundation
import Testing

/// Files as Salesforce Data Loader exports them: API names, every field quoted.
@Suite struct SalesforceImportTests {
    static let accountsFile = """
        "Id","Name","Type","ParentId","BillingStreet","BillingCity","BillingState","BillingPostalCode","BillingCountry","Phone","Website","Industry","OwnerId"
        "0015g00000AcmeAAA","Acme Corporation","Customer - Direct","","1 Market St
        Suite 300","San Francisco","CA","94105","USA","(415) 555-0100","https://www.acme.com/about","Technology","0055g00000PatAAA"
        "0015g00000AcEuAAA","Acme Europe GmbH","Customer - Channel","0015g00000AcmeAAA","Unter den Linden 1","Berlin","","10117","Germany","","acme.de","Technology","0055g00000PatAAA"
        "0015g00000GlobAAA","Globex","Prospect","","","","","","","","http://globex.example/","Manufacturing","0055g00000LeeAAA"
        "0015g00000InitAAA","Initech","Former Customer","","","","","","","","","",""
        "0015g00000UmbrAAA","Umbrella","Other","","","","","","","","","Biotechnology",""

        """

    static let contactsFile = """
        "Id","AccountId","FirstName","LastName","Title","Email","Phone","HasOptedOutOfEmail","DoNotCall"
        "0035g00000AnaAAA","0015g00000AcmeAAA","Ana","Torres","VP Operations","ana.torres@acme.com","(415) 555-0101","false","false"
        "0035g00000ChenAAA","0015g00000AcmeAAA","","Chen","CTO","li.chen@acme.com","","true","false"
        "0035g00000BobAAA","","Bob","Smith","","","","false","true"

        """

    static let opportunitiesFile = """
        "Id","AccountId","Name","StageName","Amount","CloseDate","Type","NextStep","LeadSource","Probability","ForecastCategoryName","OwnerId"
        "0065g00000Opp1AAA","0015g00000AcmeAAA","Acme - Platform renewal 2026","Negotiation/Review","84000.00","2026-12-15","Existing Customer - Replacement","Send redlines","Partner Referral","90","Commit","0055g00000PatAAA"
        "0065g00000Opp2AAA","0015g00000GlobAAA","Globex - New logo","Id. Decision Makers","120000","2026-11-30","New Business","","Web","60","Best Case","0055g00000LeeAAA"
        "0065g00000Opp3AAA","0015g00000InitAAA","Initech upgrade","Closed Won","45000.5","2026-03-31","Existing Customer - Upgrade","","","100","Closed","0055g00000PatAAA"
        "0065g00000Opp4AAA","0015g00000AcEuAAA","Acme EU downsizing","Closed Lost","","2026-02-01","Existing Customer - Downgrade","","","0","Omitted",""

        """

    @Test func detectsSalesforce() throws {
        #expect(ImportSource.detect(header: try CSV.parse(Self.accountsFile).header) == .salesforce)
    }

    @Test func mapsAccounts() throws {
        let (rows, issues) = try ImportMapping.accounts(try CSV.parse(Self.accountsFile))
        #expect(issues == [])
        #expect(rows == [
            AccountImportRow(
                line: 2, externalId: "sf:0015g00000AcmeAAA", name: "Acme Corporation", domain: "acme.com", industry: "Technology",
                ownerRef: "0055g00000PatAAA", status: "active", street: "1 Market St\nSuite 300", city: "San Francisco",
                region: "CA", postalCode: "94105", country: "USA"),
            AccountImportRow(
                line: 4, externalId: "sf:0015g00000AcEuAAA", name: "Acme Europe GmbH", domain: "acme.de", industry: "Technology",
                ownerRef: "0055g00000PatAAA", parentExternalId: "sf:0015g00000AcmeAAA", status: "active",
                street: "Unter den Linden 1", city: "Berlin", postalCode: "10117", country: "Germany"),
            AccountImportRow(
                line: 5, externalId: "sf:0015g00000GlobAAA", name: "Globex", domain: "globex.example", industry: "Manufacturing",
                ownerRef: "0055g00000LeeAAA", status: "prospect"),
            AccountImportRow(line: 6, externalId: "sf:0015g00000InitAAA", name: "Initech", status: "former"),
            AccountImportRow(line: 7, externalId: "sf:0015g00000UmbrAAA", name: "Umbrella", industry: "Biotechnology"),
        ])
    }

    @Test func mapsContactsLinkedToTheirAccounts() throws {
        let (rows, issues) = try ImportMapping.contacts(try CSV.parse(Self.contactsFile))
        #expect(issues == [])
        #expect(rows == [
            ContactImportRow(
                line: 2, externalId: "sf:0035g00000AnaAAA", accountExternalId: "sf:0015g00000AcmeAAA", name: "Ana Torres",
                email: "ana.torres@acme.com", phone: "(415) 555-0101", title: "VP Operations"),
            ContactImportRow(
                line: 3, externalId: "sf:0035g00000ChenAAA", accountExternalId: "sf:0015g00000AcmeAAA", name: "Chen",
                email: "li.chen@acme.com", title: "CTO", doNotContact: true),
            ContactImportRow(line: 4, externalId: "sf:0035g00000BobAAA", name: "Bob Smith", doNotContact: true),
        ])
    }

    @Test func mapsOpportunities() throws {
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse(Self.opportunitiesFile))
        #expect(issues == [])
        #expect(rows == [
            OpportunityImportRow(
                line: 2, externalId: "sf:0065g00000Opp1AAA", accountExternalId: "sf:0015g00000AcmeAAA",
                name: "Acme - Platform renewal 2026", kind: "renewal", stageRef: "negotiation", amount: Decimal(84000),
                closeDate: CalendarDate(year: 2026, month: 12, day: 15), ownerRef: "0055g00000PatAAA", nextStep: "Send redlines",
                source: "partner_referral", probability: 90, forecastCategory: "commit"),
            OpportunityImportRow(
                line: 3, externalId: "sf:0065g00000Opp2AAA", accountExternalId: "sf:0015g00000GlobAAA", name: "Globex - New logo",
                kind: "new_business", stageRef: "needs_analysis", amount: Decimal(120000),
                closeDate: CalendarDate(year: 2026, month: 11, day: 30), ownerRef: "0055g00000LeeAAA", source: "web",
                probability: 60, forecastCategory: "best_case"),
            OpportunityImportRow(
                line: 4, externalId: "sf:0065g00000Opp3AAA", accountExternalId: "sf:0015g00000InitAAA", name: "Initech upgrade",
                kind: "expansion", stageRef: "closed_won", amount: Decimal(string: "45000.5"),
                closeDate: CalendarDate(year: 2026, month: 3, day: 31), ownerRef: "0055g00000PatAAA", probability: 100,
                forecastCategory: "closed"),
            OpportunityImportRow(
                line: 5, externalId: "sf:0065g00000Opp4AAA", accountExternalId: "sf:0015g00000AcEuAAA", name: "Acme EU downsizing",
                kind: "renewal", stageRef: "closed_lost", closeDate: CalendarDate(year: 2026, month: 2, day: 1), probability: 0,
                forecastCategory: "omitted"),
        ])
    }

    @Test func readsAReportExportWithLabelsAndUSDates() throws {
        let file = """
            Opportunity Name,Stage,Amount,Close Date,Probability (%),Forecast Category,Opportunity Owner
            Acme renewal,Value Proposition,"$84,000.00",12/15/2026,60%,Pipeline,Pat Owner

            """
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse(file))
        #expect(issues == [])
        #expect(rows == [
            OpportunityImportRow(
                line: 2, name: "Acme renewal", stageRef: "needs_analysis", amount: Decimal(84000),
                closeDate: CalendarDate(year: 2026, month: 12, day: 15), ownerRef: "Pat Owner", probability: 60,
                forecastCategory: "pipeline"),
        ])
    }
}
