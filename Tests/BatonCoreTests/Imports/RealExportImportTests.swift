import Dates
import Foundation
import Testing

@testable import BatonCore

/// Issue 16, items 1–3 and 5: the picklist values, report labels and value mappings
/// of the files people bring from Salesforce and HubSpot, and nothing dropped silently.
@Suite struct RealExportImportTests {
    // MARK: 1. Picklist values

    @Test(arguments: [
        ("New Customer", "new_business"), ("Existing Customer - Upgrade", "expansion"),
        ("Existing Customer - Replacement", "renewal"), ("Existing Customer - Downgrade", "renewal"), ("Renewal", "renewal"),
        ("newbusiness", "new_business"), ("New Business", "new_business"), ("existingbusiness", "expansion"),
        ("Existing Business", "expansion"),
    ])
    func opportunityTypesMapToKinds(type: String, kind: String) throws {
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse("Name,StageName,Type\nDeal,Prospecting,\(type)\n"))
        #expect(issues == [])
        #expect(rows.first?.kind == kind)
    }

    @Test(arguments: [
        ("Web", "web"), ("Phone Inquiry", "phone"), ("Partner Referral", "partner_referral"), ("Purchased List", "purchased_list"),
        ("Other", "other"), ("Trade Show", "event"), ("Word of mouth", "referral"), ("ORGANIC_SEARCH", "organic_search"),
        ("Paid Search", "paid_search"), ("Some campaign of ours", "Some campaign of ours"),
    ])
    func leadSourcesMapToBatonSources(source: String, expected: String) throws {
        let (rows, _) = try ImportMapping.opportunities(try CSV.parse("Name,StageName,LeadSource\nDeal,Prospecting,\(source)\n"))
        #expect(rows.first?.source == expected)
        let report = try ImportMapping.opportunities(try CSV.parse("Opportunity Name,Stage,Lead Source\nDeal,Prospecting,\(source)\n"))
        #expect(report.rows.first?.source == expected)
    }

    @Test func ourOwnSourceColumnIsKeptAsWritten() throws {
        let (rows, _) = try ImportMapping.opportunities(try CSV.parse("name,stage,source\nDeal,prospecting,Web\n"))
        #expect(rows.first?.source == "Web")
    }

    @Test(arguments: [
        ("Omitted", "omitted"), ("Pipeline", "pipeline"), ("Best Case", "best_case"), ("Commit", "commit"), ("Forecast", "commit"),
        ("Closed", "closed"), ("BEST_CASE", "best_case"), ("OMIT", "omitted"),
    ])
    func forecastCategoriesMap(value: String, expected: String) throws {
        let (rows, _) = try ImportMapping.opportunities(try CSV.parse("Name,StageName,ForecastCategoryName\nDeal,Prospecting,\(value)\n"))
        #expect(rows.first?.forecastCategory == expected)
    }

    @Test(arguments: [
        ("Prospecting", "prospecting"), ("Qualification", "qualification"), ("Needs Analysis", "needs_analysis"),
        ("Value Proposition", "needs_analysis"), ("Id. Decision Makers", "needs_analysis"), ("Perception Analysis", "needs_analysis"),
        ("Proposal/Price Quote", "proposal"), ("Negotiation/Review", "negotiation"), ("Closed Won", "closed_won"),
        ("Closed Lost", "closed_lost"), ("appointmentscheduled", "prospecting"), ("Appointment Scheduled", "prospecting"),
        ("Qualified To Buy", "qualification"), ("Presentation Scheduled", "needs_analysis"),
        ("Decision Maker Bought-In", "proposal"), ("Contract Sent", "negotiation"), ("closedwon", "closed_won"),
        ("Closed won", "closed_won"), ("Closed lost", "closed_lost"),
    ])
    func standardStagesMap(stage: String, key: String) {
        #expect(StageAliases.normalise(stage) == key)
    }

    @Test(arguments: [
        ("Decision Maker", "decision_maker"), ("Economic Buyer", "decision_maker"), ("Economic Decision Maker", "decision_maker"),
        ("Executive Sponsor", "decision_maker"), ("Technical Buyer", "technical"), ("Evaluator", "influencer"),
        ("Influencer", "influencer"), ("Business User", "other"), ("Other", "other"), ("BUDGET_HOLDER", "billing"),
        ("Budget Holder", "billing"), ("Champion", "influencer"), ("END_USER", "other"), ("Legal & Compliance", "other"),
    ])
    func contactRolesMapToBuyingRoles(role: String, expected: String) throws {
        let (rows, issues) = try ImportMapping.contacts(try CSV.parse("First Name,Last Name,Contact Role\nAna,Torres,\(role)\n"))
        #expect(issues == [])
        #expect(rows.first?.buyingRole == expected)
    }

    // MARK: 2. Report labels

    @Test func aSalesforceAccountsReportKeepsIdsParentsAndAddresses() throws {
        let file = """
            Account ID,Account Name,Parent Account ID,Type,Website,Billing Street,Billing City,Billing State/Province,Billing Zip/Postal Code,Billing Country
            001Dn00000AbCdE,Orca Marine Group,,Customer - Direct,orcamarine.example,1 Harbour Rd,Portland,OR,97201,USA
            001Dn00000FgHiJ,Orca Marine Services,001Dn00000AbCdE,Customer - Channel,,2 Dock St,Seattle,WA,98101,USA

            """
        let (rows, issues) = try ImportMapping.accounts(try CSV.parse(file))
        #expect(issues == [])
        #expect(rows == [
            AccountImportRow(line: 2, externalId: "sf:001Dn00000AbCdEIAV", name: "Orca Marine Group", domain: "orcamarine.example",
                             status: "active", street: "1 Harbour Rd", city: "Portland", region: "OR", postalCode: "97201", country: "USA"),
            AccountImportRow(line: 3, externalId: "sf:001Dn00000FgHiJIAV", name: "Orca Marine Services",
                             parentExternalId: "sf:001Dn00000AbCdEIAV", status: "active", street: "2 Dock St", city: "Seattle",
                             region: "WA", postalCode: "98101", country: "USA"),
        ])
    }

    @Test func reportsNameTheAccountOfAContactOrDealAsAccountID() throws {
        let contacts = try ImportMapping.contacts(try CSV.parse("""
            Contact ID,Account ID,First Name,Last Name,Title,Mobile,Email Opt Out,Contact Role
            003Dn00000PqRsT,001Dn00000AbCdE,Mara,Quinn,COO,+1 503 555 0199,1,Economic Buyer

            """))
        #expect(contacts.issues == [])
        #expect(contacts.rows == [
            ContactImportRow(line: 2, externalId: "sf:003Dn00000PqRsTIAV", accountExternalId: "sf:001Dn00000AbCdEIAV", name: "Mara Quinn",
                             phone: "+1 503 555 0199", title: "COO", buyingRole: "decision_maker", doNotContact: true),
        ])
        let deals = try ImportMapping.opportunities(try CSV.parse("""
            Opportunity ID,Account ID,Opportunity Name,Stage,Close Date,Type,Lead Source,Loss Reason,Created Date
            006Dn00000ZaBcD,001Dn00000AbCdE,Fleet refit,Closed Lost,3/31/2026,New Customer,Web,Price,1/15/2026

            """))
        #expect(deals.issues == [])
        #expect(deals.rows == [
            OpportunityImportRow(line: 2, externalId: "sf:006Dn00000ZaBcDIAV", accountExternalId: "sf:001Dn00000AbCdEIAV",
                                 name: "Fleet refit", kind: "new_business", stageRef: "closed_lost",
                                 closeDate: CalendarDate(year: 2026, month: 3, day: 31), source: "web", lostReason: "Price",
                                 createdOn: CalendarDate(year: 2026, month: 1, day: 15)),
        ])
    }

    @Test(arguments: ["1", "true", "TRUE", "yes", "Yes"])
    func emailOptOutMeansDoNotContact(value: String) throws {
        let (rows, _) = try ImportMapping.contacts(try CSV.parse("First Name,Last Name,Email Opt Out\nAna,Torres,\(value)\n"))
        #expect(rows.first?.doNotContact == true)
    }

    @Test func aHubSpotParentCompanyIsAReference() throws {
        let (rows, _) = try ImportMapping.accounts(try CSV.parse("Record ID,Company name,Parent Company\n9002,Orca Services,9001\n"))
        #expect(rows.first?.parentExternalId == "hs:9001")
    }

    @Test func salesforceIdsOfFifteenAndEighteenCharactersAreOne() {
        #expect(ExternalIds.salesforceLongID("00D000000000062") == "00D000000000062EAA", "Salesforce's documented example")
        #expect(ExternalIds.salesforceLongID("001Dn00000AbCdEIAV") == "001Dn00000AbCdEIAV")
        #expect(ExternalIds.salesforceLongID("001A000001") == "001A000001", "anything else is kept as it is")
    }

    @Test func dataLoaderTimestampsAreDates() {
        #expect(ImportValues.date("2025-11-03T14:22:05.000Z") == CalendarDate(year: 2025, month: 11, day: 3))
        #expect(ImportValues.date("2025-11-03T14:22:05.000+0000") == CalendarDate(year: 2025, month: 11, day: 3))
        #expect(ImportValues.date("2025-11-03T14:22:05-07:00") == CalendarDate(year: 2025, month: 11, day: 3))
        #expect(ImportValues.date("2025-11-03T14:22:05.Z") == nil)
    }

    // MARK: 3. No silent drops

    @Test func columnsBatonDoesNotReadAreWarnings() throws {
        let mapper = try ImportMapping.accountMapper(header: ["Account Name", "Phone", "Fax", "Website", "NumberOfEmployees"])
        #expect(mapper.fileWarnings.map(\.field) == ["Phone", "Fax", "NumberOfEmployees"])
        #expect(mapper.fileWarnings.allSatisfy { $0.line == 1 && $0.message.contains("not imported") })
        let ours = try ImportMapping.opportunityMapper(header: ImportMapping.exportColumns(.opportunities))
        #expect(ours.fileWarnings == [], "every column of our own export is read")
    }

    @Test func anUnknownValueNamesItselfAndTheAcceptedOnesAndCanBeMapped() throws {
        let file = try CSV.parse("Name,StageName,Type\nDeal,Prospecting,Partner Deal\nOther,Prospecting,partner deal\n")
        let mapper = try ImportMapping.opportunityMapper(header: file.header)
        let refused = mapper.map(file.records[0])
        #expect(refused.row == nil)
        #expect(refused.issues.map(\.message) == [
            #"Kind "Partner Deal" is not one of new_business, expansion, renewal; change the cell or map the value to one of them"#,
        ])
        #expect(refused.unmapped == [UnmappedValue(column: "Type", value: "Partner Deal", accepted: ["new_business", "expansion", "renewal"])])

        let mapping = try #require(ImportValueMapping.parse(json: #"{"type": {"Partner Deal": "new_business"}}"#))
        let (rows, issues) = try ImportMapping.opportunities(file, mapping: mapping)
        #expect(issues == [])
        #expect(rows.map(\.kind) == ["new_business", "new_business"], "columns and values match ignoring case and spacing")
    }

    @Test func aMappingToAValueThatIsNotAcceptedIsStillAnError() throws {
        let mapping = ImportValueMapping(["Type": ["Partner Deal": "partnership"]])
        let (_, issues) = try ImportMapping.opportunities(try CSV.parse("Name,StageName,Type\nDeal,Prospecting,Partner Deal\n"), mapping: mapping)
        #expect(issues.map(\.message) == [
            #"Kind "partnership" is not one of new_business, expansion, renewal; change the cell or map the value to one of them"#,
        ])
    }

    @Test func aMappingOfAColumnTheFileLacksIsAWarning() throws {
        let mapper = try ImportMapping.accountMapper(header: ["name"], mapping: ImportValueMapping(["Tier": ["Gold": "active"]]))
        #expect(mapper.fileWarnings == [
            ImportIssue(line: 1, field: "Tier", message: "The value mapping names this column, but the file has no such column"),
        ])
    }

    @Test(arguments: ["", "[]", #"{"Type": "new_business"}"#, #"{"Type": {"a": 1}}"#, "not json"])
    func aMalformedMappingIsRefused(json: String) {
        #expect(ImportValueMapping.parse(json: json) == nil)
    }

    // MARK: 5. Exports import back

    @Test func ourExportsWonLostAndCreatedDatesAreRead() throws {
        let file = CSV.write(header: ImportMapping.exportColumns(.opportunities), rows: [
            ["baton:7", "baton:1", "Refit", "new_business", "closed_won", "1000.00", "2027-01-31", "", "", "", "100", "closed", "",
             "2026-07-01", "", "2026-05-02"],
        ])
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse(file))
        #expect(issues == [])
        #expect(rows.first?.wonOn == CalendarDate(year: 2026, month: 7, day: 1))
        #expect(rows.first?.createdOn == CalendarDate(year: 2026, month: 5, day: 2))
        #expect(rows.first?.closeDate == CalendarDate(year: 2027, month: 1, day: 31))
    }
}
