import BatonCore
import Testing

/// `baton:<id>` is Baton's own name for a record; nobody may give it to one.
@Suite struct ExternalIDRulesTests {
    @Test func ordinaryIdsAreStoredTrimmed() {
        #expect(ExternalIDRules.check(" crm-1 ", use: .create) == .ordinary("crm-1"))
        #expect(ExternalIDRules.check("sf:baton:1", use: .importRow) == .ordinary("sf:baton:1"))
        #expect(ExternalIDRules.check("  ", use: .create) == .none)
        #expect(ExternalIDRules.check(nil, use: .update(recordID: 1)) == .none)
    }

    @Test(arguments: ["baton:5", "Baton:5", " BATON:x", "baton:", "baton:5a", "baton:1234567890123456789"])
    func reservedIdsAreRefusedOnCreate(id: String) {
        #expect(ExternalIDRules.check(id, use: .create) == .refused(ExternalIDRules.reservedMessage))
    }

    @Test func anEditMayNameOnlyItsOwnRecord() {
        #expect(ExternalIDRules.check("baton:5", use: .update(recordID: 5)) == .ownRecord)
        #expect(ExternalIDRules.check("baton:6", use: .update(recordID: 5)) == .refused(ExternalIDRules.reservedMessage))
    }

    @Test func anImportRowNamesARecordToCheck() {
        #expect(ExternalIDRules.check("baton:42", use: .importRow) == .reference(42))
        #expect(ExternalIDRules.check("Baton:42", use: .importRow) == .refused(ExternalIDRules.reservedMessage))
    }

    @Test func theRefusalOfAnUnseenRecordDoesNotDependOnWhetherItExists() {
        #expect(ExternalIDRules.notUsable("baton:7", kind: "account")
            == "baton:7 is not an account you can see, and no new account can take this id; leave it empty or use another")
        #expect(ExternalIDRules.notUsable("x", kind: "contact").hasPrefix("x is not a contact"))
    }

    @Test func importersAreAdminsManagersAndAccountManagers() {
        #expect(ImportAccess.canImport([.accountManager]))
        #expect(ImportAccess.canImport([.sales, .manager]))
        #expect(!ImportAccess.canImport([.sales]))
        #expect(!ImportAccess.canImport([.projectManager, .consultant]))
    }
}
