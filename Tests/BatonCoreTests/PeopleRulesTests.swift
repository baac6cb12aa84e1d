import BatonCore
import Foundation
import Testing

@Suite struct PeopleRulesTests {
    @Test(arguments: ["pat@firm.test", "a.b+c@sub.example.com"])
    func acceptsRealEmails(email: String) {
        var v = Validator()
        PersonRules.checkEmail(email, into: &v)
        #expect(v.errors.isEmpty)
    }

    @Test(arguments: ["", "pat", "pat@", "@firm.test", "pat@firm", "pat @firm.test", "a@b@c.test", "pat@.test"])
    func refusesBrokenEmails(email: String) {
        var v = Validator()
        PersonRules.checkEmail(email, into: &v)
        #expect(v.errors == [FieldError("email", "Email must look like name@example.com")])
    }

    @Test func emailKeysIgnoreCaseAndSpaces() {
        #expect(PersonRules.emailKey("  Ana.Torres@Demo.TEST ") == "ana.torres@demo.test")
    }

    @Test func collectsEveryBrokenRule() {
        var v = Validator()
        PersonRules.checkName(" ", into: &v)
        PersonRules.checkPassword("short", into: &v)
        PersonRules.checkCapacity(169, into: &v)
        PersonRules.checkSkillLevel(0, into: &v, field: "[0].level")
        PersonRules.checkRoles([.sales, .sales], into: &v)
        #expect(v.errors.map(\.field) == ["name", "password", "weeklyCapacityHours", "[0].level", "roles"])
        #expect(throws: ValidationFailure.self) { try v.throwIfInvalid() }
    }

    @Test func passwordsLongerThanBcryptReadsAreRefused() {
        var v = Validator()
        PersonRules.checkPassword(String(repeating: "x", count: 73), into: &v)
        #expect(v.errors.count == 1)
    }
}

@Suite struct AuditDiffTests {
    @Test func listsOnlyChangedFieldsWithOldAndNew() {
        let before: AuditSnapshot = ["name": .text("Ana"), "managerId": .int(2), "active": .bool(true)]
        let after: AuditSnapshot = ["name": .text("Ana T."), "managerId": .null, "active": .bool(true)]
        let changes = AuditDiff.changes(from: before, to: after)
        #expect(changes == [
            "name": FieldChange(old: .text("Ana"), new: .text("Ana T.")),
            "managerId": FieldChange(old: .int(2), new: .null),
        ])
    }

    @Test func aCreationListsEveryFieldAsNew() {
        let changes = AuditDiff.changes(from: nil, to: ["roles": .list(["sales"])])
        #expect(changes == ["roles": FieldChange(old: .null, new: .list(["sales"]))])
    }
}
