import BatonCore
import Testing

/// The field rules of contacts, without a database.
@Suite struct ContactFieldsTests {
    let bea = ContactFields(
        accountID: 1, name: "Bea", email: "bea@acme.com", phone: nil, title: "CTO", buyingRole: .technical,
        doNotContact: false, externalID: nil)

    @Test func aGoodContactPassesAndAnEmptyEmailIsNoEmail() {
        var v = Validator()
        bea.check(into: &v)
        var noEmail = bea
        noEmail.email = ""
        noEmail.check(into: &v)
        #expect(v.errors.isEmpty)
    }

    @Test func aBadEmailAndLongPhoneAreRefusedUnderTheirFields() {
        var f = bea
        (f.email, f.phone) = ("not an email", String(repeating: "1", count: 51))
        var v = Validator()
        f.check(into: &v)
        #expect(v.errors.map(\.field) == ["email", "phone"])
    }
}
