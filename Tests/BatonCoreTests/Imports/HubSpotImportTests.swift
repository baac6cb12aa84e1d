@testable import BatonCore
import Dates
import Foundation
import Testing

/// Files as HubSpot's "Export all properties" writes them: labels, not internal names.
@Suite struct HubSpotImportTests {
    static let companiesFile = """
        Record ID,Company name,Company Domain Name,Industry,Company owner,Create Date,City,State/Region,Country/Region,Phone Number,Type
        9876543210,Acme Corporation,acme.com,COMPUTER_SOFTWARE,ana.torres@firm.test,2024-01-05 10:12,San Francisco,California,United States,+1 415 555 0100,Customer
        9876543211,Globex,www.globex.example,,Pat Owner,2024-02-01 08:00,,,,,Prospect
        9876543212,Initech,,,,2024-03-01 08:00,,,,,Partner

        """

    static let contactsFile = """
        Record ID,First Name,Last Name,Email,Phone Number,Job Title,Contact owner,Associated Company IDs,Associated Company
        501,Ana,Torres,ana.torres@acme.com,+1 415 555 0101,VP Operations,Pat Owner,9876543210,Acme Corporation
        502,Li,Chen,li.chen@acme.com,,CTO,,9876543210;9876543211,Acme Corporation;Globex
        503,Sam,,sam@globex.example,,,,,

        """

    static let dealsFile = """
        Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Pipeline,Deal Type,Associated Company IDs,Create Date
        7001,Acme - Expansion,contractsent,84000,2026-12-15 00:00,Ana Torres,Sales Pipeline,existingbusiness,9876543210,2026-01-10 09:30
        7002,Globex - New logo,Appointment Scheduled,"12,500.00",2026-11-30 14:05:00,Pat Owner,Sales Pipeline,newbusiness,9876543211,
        7003,Initech pilot,closedwon,45000.50,2026-03-31,,Sales Pipeline,,9876543212;9876543210,
        7004,Acme - Lost,closedlost,,,,Sales Pipeline,,,

        """

    @Test func detectsHubSpot() throws {
        #expect(ImportSource.detect(header: try CSV.parse(Self.dealsFile).header) == .hubspot)
    }

    @Test func mapsCompanies() throws {
        let (rows, issues) = try ImportMapping.accounts(try CSV.parse(Self.companiesFile))
        #expect(issues == [])
        #expect(rows == [
            AccountImportRow(
                line: 2, externalId: "hs:9876543210", name: "Acme Corporation", domain: "acme.com", industry: "COMPUTER_SOFTWARE",
                ownerRef: "ana.torres@firm.test", status: "active", city: "San Francisco", region: "California",
                country: "United States"),
            AccountImportRow(line: 3, externalId: "hs:9876543211", name: "Globex", domain: "globex.example", ownerRef: "Pat Owner", status: "prospect"),
            AccountImportRow(line: 4, externalId: "hs:9876543212", name: "Initech"),
        ])
    }

    @Test func mapsContactsToTheirFirstAssociatedCompany() throws {
        let (rows, issues) = try ImportMapping.contacts(try CSV.parse(Self.contactsFile))
        #expect(issues == [])
        #expect(rows == [
            ContactImportRow(
                line: 2, externalId: "hs:501", accountExternalId: "hs:9876543210", name: "Ana Torres", email: "ana.torres@acme.com",
                phone: "+1 415 555 0101", title: "VP Operations"),
            ContactImportRow(line: 3, externalId: "hs:502", accountExternalId: "hs:9876543210", name: "Li Chen", email: "li.chen@acme.com", title: "CTO"),
            ContactImportRow(line: 4, externalId: "hs:503", name: "Sam", email: "sam@globex.example"),
        ])
    }

    @Test func acceptsTheSingularAssociatedCompanyColumn() throws {
        let file = "Record ID,First Name,Last Name,Associated Company ID\n1,Ana,Torres,42\n"
        let (rows, _) = try ImportMapping.contacts(try CSV.parse(file))
        #expect(rows.map(\.accountExternalId) == ["hs:42"])
    }

    @Test func mapsDeals() throws {
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse(Self.dealsFile))
        #expect(issues == [])
        #expect(rows == [
            OpportunityImportRow(
                line: 2, externalId: "hs:7001", accountExternalId: "hs:9876543210", name: "Acme - Expansion", kind: "expansion",
                stageRef: "negotiation", amount: Decimal(84000), closeDate: CalendarDate(year: 2026, month: 12, day: 15),
                ownerRef: "Ana Torres", createdOn: CalendarDate(year: 2026, month: 1, day: 10)),
            OpportunityImportRow(
                line: 3, externalId: "hs:7002", accountExternalId: "hs:9876543211", name: "Globex - New logo", kind: "new_business",
                stageRef: "prospecting", amount: Decimal(12500), closeDate: CalendarDate(year: 2026, month: 11, day: 30),
                ownerRef: "Pat Owner"),
            OpportunityImportRow(
                line: 4, externalId: "hs:7003", accountExternalId: "hs:9876543212", name: "Initech pilot", stageRef: "closed_won",
                amount: Decimal(string: "45000.50"), closeDate: CalendarDate(year: 2026, month: 3, day: 31)),
            OpportunityImportRow(line: 5, externalId: "hs:7004", name: "Acme - Lost", stageRef: "closed_lost"),
        ])
    }

    @Test func filesLinkUp() throws {
        let companies = try ImportMapping.accounts(try CSV.parse(Self.companiesFile)).rows
        let deals = try ImportMapping.opportunities(try CSV.parse(Self.dealsFile)).rows
        let companyIds = Set(companies.compactMap(\.externalId))
        #expect(deals.compactMap(\.accountExternalId).allSatisfy(companyIds.contains))
    }
}
