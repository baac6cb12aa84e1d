import BatonCore
import Dates
import Foundation
import Testing

/// Every row-level problem is reported on its line, under the file's own column name,
/// and keeps its row out of the import.
@Suite struct ImportIssueTests {
    private func opportunityIssues(_ header: String, _ row: String) throws -> [ImportIssue] {
        let result = try ImportMapping.opportunities(try CSV.parse(header + "\n" + row + "\n"))
        #expect(result.rows.isEmpty)
        return result.issues
    }

    @Test func emptyNameIsAnIssue() throws {
        let result = try ImportMapping.accounts(try CSV.parse("name,city\nAcme,Berlin\n  ,Paris\n"))
        #expect(result.rows.map(\.name) == ["Acme"])
        #expect(result.issues == [ImportIssue(line: 3, field: "name", message: "Name must not be empty")])
    }

    @Test func contactWithoutAnyNameIsAnIssueUnderTheLastNameColumn() throws {
        let result = try ImportMapping.contacts(try CSV.parse("FirstName,LastName,Email\n,,a@b.test\n"))
        #expect(result.issues == [ImportIssue(line: 2, field: "LastName", message: "Name must not be empty")])
    }

    @Test(arguments: [
        ("-5", "Amount must be zero or more"), ("-$1,000.00", "Amount must be zero or more"),
        ("abc", "Amount must be a number, like 84000.00"), ("84.000,00", "Amount must be a number, like 84000.00"),
        ("8,40,00", "Amount must be a number, like 84000.00"), ("1e5", "Amount must be a number, like 84000.00"),
        ("1.005", "Amount must have at most two decimals"),
    ])
    func badAmounts(amount: String, message: String) throws {
        let issues = try opportunityIssues("Name,StageName,Amount", "Deal,Prospecting,\"\(amount)\"")
        #expect(issues == [ImportIssue(line: 2, field: "Amount", message: message)])
    }

    @Test(arguments: [("84000", "84000"), ("84000.50", "84000.5"), ("84,000.00", "84000"), ("$84,000.00", "84000"), ("$1,234,567.89", "1234567.89"), ("0", "0"), ("-0", "0"), ("1.100", "1.1")])
    func goodAmounts(text: String, expected: String) throws {
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse("name,stage,amount\nDeal,proposal,\"\(text)\"\n"))
        #expect(issues == [])
        #expect(rows.first?.amount == Decimal(string: expected))
    }

    @Test func amountsAreExact() throws {
        let (rows, _) = try ImportMapping.opportunities(try CSV.parse("name,stage,amount\nDeal,proposal,99999999999.99\n"))
        #expect(rows.first?.amount?.moneyText == "99999999999.99")
    }

    @Test(arguments: ["2026-02-30", "2026-13-01", "15/12/2026", "12/15/26", "tomorrow", "2026-12-15 25:00", "2026-12-15T", "20261215"])
    func badDates(date: String) throws {
        let issues = try opportunityIssues("Name,StageName,CloseDate", "Deal,Prospecting,\(date)")
        #expect(issues == [ImportIssue(line: 2, field: "CloseDate", message: "Close Date must be a real date, like 2026-12-15")])
    }

    @Test(arguments: ["2026-12-15", "2026-12-15 00:00", "2026-12-15 14:05:09", "2026-12-15T14:05:09", "12/15/2026", "12/15/2026"])
    func goodDates(date: String) throws {
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse("name,stage,closeDate\nDeal,proposal,\(date)\n"))
        #expect(issues == [])
        #expect(rows.first?.closeDate == CalendarDate(year: 2026, month: 12, day: 15))
    }

    @Test func leapDaysAreRealDates() throws {
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse("name,stage,closeDate\nDeal,proposal,2/29/2028\nDeal,proposal,2/29/2027\n"))
        #expect(rows.map(\.closeDate) == [CalendarDate(year: 2028, month: 2, day: 29)])
        #expect(issues.map(\.line) == [3])
    }

    @Test(arguments: ["101", "-1", "sixty", "100.5%", "6O"])
    func badProbabilities(probability: String) throws {
        let issues = try opportunityIssues("Name,StageName,Probability", "Deal,Prospecting,\(probability)")
        #expect(issues == [ImportIssue(line: 2, field: "Probability", message: "Probability must be a number from 0 to 100, like 60")])
    }

    @Test(arguments: [("60", "60"), ("60%", "60"), ("60.5", "60.5"), (" 60 % ", "60"), ("0", "0"), ("100", "100")])
    func goodProbabilities(text: String, expected: String) throws {
        let (rows, issues) = try ImportMapping.opportunities(try CSV.parse("name,stage,probability\nDeal,proposal,\(text)\n"))
        #expect(issues == [])
        #expect(rows.first?.probability == Decimal(string: expected))
    }

    @Test func unknownChoicesAreIssues() throws {
        let issues = try opportunityIssues("Name,StageName,Type,ForecastCategoryName", "Deal,Prospecting,Upsell,Maybe")
        #expect(issues == [
            ImportIssue(line: 2, field: "Type", message: #"Kind "Upsell" is not one of new_business, expansion, renewal; change the cell or map the value to one of them"#),
            ImportIssue(line: 2, field: "ForecastCategoryName", message: #"Forecast Category "Maybe" is not one of pipeline, best_case, commit, closed, omitted; change the cell or map the value to one of them"#),
        ])
        let contacts = try ImportMapping.contacts(try CSV.parse("name,buyingRole,doNotContact\nAna,Boss,maybe\n"))
        #expect(contacts.issues == [
            ImportIssue(line: 2, field: "buyingRole", message: #"Buying Role "Boss" is not one of decision_maker, influencer, technical, billing, other; change the cell or map the value to one of them"#),
            ImportIssue(line: 2, field: "doNotContact", message: #"Do Not Contact "maybe" is not one of true, false; change the cell or map the value to one of them"#),
        ])
        let accounts = try ImportMapping.accounts(try CSV.parse("name,status\nAcme,gone\n"))
        #expect(accounts.issues == [ImportIssue(line: 2, field: "status", message: #"Status "gone" is not one of prospect, active, former; change the cell or map the value to one of them"#)])
    }

    @Test(arguments: [("Decision Maker", "decision_maker"), ("decision-maker", "decision_maker"), ("INFLUENCER", "influencer"), ("Billing", "billing")])
    func buyingRolesAreReadLoosely(text: String, expected: String) throws {
        let (rows, _) = try ImportMapping.contacts(try CSV.parse("name,buyingRole\nAna,\(text)\n"))
        #expect(rows.first?.buyingRole == expected)
    }

    @Test func textLongerThanItsLimitIsAnIssue() throws {
        let longName = String(repeating: "n", count: 201)
        let longIndustry = String(repeating: "é", count: 501)
        let result = try ImportMapping.accounts(try CSV.parse("Name,Industry\n\(longName),\(longIndustry)\n"))
        #expect(result.issues == [
            ImportIssue(line: 2, field: "Name", message: "Name must be at most 200 characters"),
            ImportIssue(line: 2, field: "Industry", message: "Industry must be at most 500 characters"),
        ])
        let atLimit = try ImportMapping.accounts(
            try CSV.parse("Name,Industry\n\(String(repeating: "ü", count: 200)),\(String(repeating: "é", count: 500))\n"))
        #expect(atLimit.issues == [])
    }

    @Test func emailWithoutAtIsAnIssue() throws {
        let result = try ImportMapping.contacts(try CSV.parse("First Name,Last Name,Email\nAna,Torres,ana.torres.acme.com\n"))
        #expect(result.issues == [ImportIssue(line: 2, field: "Email", message: "Email must be an email address, like ana@example.com")])
    }

    @Test func duplicateExternalIdsAreIssuesOnTheLaterLines() throws {
        let file = "Id,Name\n001,Acme\n002,Globex\n001,Acme again\n\"001\",\"Acme, thrice\"\n"
        let result = try ImportMapping.accounts(try CSV.parse(file))
        #expect(result.rows.map(\.line) == [2, 3])
        #expect(result.issues == [
            ImportIssue(line: 4, field: "Id", message: "External Id 001 is also on line 2; keep one row per record"),
            ImportIssue(line: 5, field: "Id", message: "External Id 001 is also on line 2; keep one row per record"),
        ])
    }

    @Test func everyIssueOfARowIsReportedOnItsStartingLine() throws {
        let file = "name,stage,amount,closeDate,note\n\"Deal\nwith two lines\",proposal,-1,2026-02-30,x\n,proposal,5,,\n"
        let result = try ImportMapping.opportunities(try CSV.parse(file))
        #expect(result.rows.isEmpty)
        #expect(result.issues == [
            ImportIssue(line: 2, field: "amount", message: "Amount must be zero or more"),
            ImportIssue(line: 2, field: "closeDate", message: "Close Date must be a real date, like 2026-12-15"),
            ImportIssue(line: 4, field: "name", message: "Name must not be empty"),
        ])
    }

    @Test func issuesEncodeForTheAPI() throws {
        let json = String(decoding: try JSONEncoder().encode(ImportIssue(line: 3, field: "Amount", message: "Amount must be zero or more")), as: UTF8.self)
        #expect(json.contains(#""line":3"#) && json.contains(#""field":"Amount""#))
    }
}

@Suite struct ImportFileErrorTests {
    @Test func accountsNeedANameColumn() throws {
        let error = try #require(throws: ImportFileError.self) { try ImportMapping.accounts(try CSV.parse("city\nBerlin\n")) }
        #expect(error.missingColumns == ["name"])
        #expect(error.message == "The file has no name column (call it name, Name, Account Name or Company name); rename the column in the first line and try again")
    }

    @Test func contactsNeedANameOrFirstAndLastName() throws {
        let error = try #require(throws: ImportFileError.self) { try ImportMapping.contacts(try CSV.parse("email\na@b.test\n")) }
        #expect(error.missingColumns == ["name"])
        #expect(error.description.contains("FirstName"))
        #expect(error.description.contains("Last Name"))
        #expect(try ImportMapping.contacts(try CSV.parse("Last Name\nTorres\n")).rows.map(\.name) == ["Torres"])
    }

    @Test func opportunitiesNeedNameAndStageColumns() throws {
        let both = try #require(throws: ImportFileError.self) { try ImportMapping.opportunities(try CSV.parse("amount\n5\n")) }
        #expect(both.missingColumns == ["name", "stage"])
        #expect(both.message == "The file has no name column (call it name, Name, Opportunity Name or Deal Name) and no stage column (call it stage, StageName or Deal Stage); rename the column in the first line and try again")
        let stage = try #require(throws: ImportFileError.self) { try ImportMapping.opportunities(try CSV.parse("Deal Name\nX\n")) }
        #expect(stage.missingColumns == ["stage"])
    }
}

@Suite struct ImportChoiceTests {
    @Test(arguments: [("Pipeline", "pipeline"), ("Best Case", "best_case"), ("BestCase", "best_case"), ("Forecast", "commit"), ("OMIT", "omitted"), ("Closed", "closed")])
    func forecastCategoriesAcceptLabelsAndAPIValues(text: String, expected: String) throws {
        let (rows, _) = try ImportMapping.opportunities(try CSV.parse("name,stage,Forecast Category\nDeal,proposal,\(text)\n"))
        #expect(rows.first?.forecastCategory == expected)
    }

    @Test(arguments: [("New Business", "new_business"), ("Existing Customer - Upgrade", "expansion"), ("Existing Customer - Replacement", "renewal"), ("Existing Customer - Downgrade", "renewal"), ("newbusiness", "new_business"), ("existingbusiness", "expansion"), ("renewal", "renewal")])
    func kindsFromEverySource(text: String, expected: String) throws {
        let (rows, _) = try ImportMapping.opportunities(try CSV.parse("name,stage,Type\nDeal,proposal,\(text)\n"))
        #expect(rows.first?.kind == expected)
    }

    @Test(arguments: [("yes", true), ("TRUE", true), ("1", true), ("", false), ("no", false), ("false", false), ("0", false)])
    func doNotContactReadsYesAndNo(text: String, expected: Bool) throws {
        let (rows, _) = try ImportMapping.contacts(try CSV.parse("name,doNotContact\nAna,\(text)\n"))
        #expect(rows.first?.doNotContact == expected)
    }
}
