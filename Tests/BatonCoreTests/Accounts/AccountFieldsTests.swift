import BatonCore
import Testing

/// The field rules of accounts, without a database: what each limit refuses, under
/// which field, and that good values pass.
@Suite struct AccountFieldsTests {
    func errors(_ check: (inout Validator) -> Void) -> [FieldError] {
        var v = Validator()
        check(&v)
        return v.errors
    }

    let acme = AccountFields(
        name: "Acme", domain: "acme.com", industry: "Retail", ownerID: 7, parentID: nil, status: .prospect,
        address: Address(city: "Lyon", country: "France"), externalID: nil)

    @Test func aGoodAccountPasses() {
        #expect(errors(acme.check).isEmpty)
    }

    @Test func anAccountNeedsANameOfAtMost200Characters() {
        var blank = acme
        blank.name = "  "
        #expect(errors(blank.check).map(\.message) == ["Name must not be empty"])
        var long = acme
        long.name = String(repeating: "a", count: 201)
        #expect(errors(long.check).map(\.message) == ["Name must be at most 200 characters"])
    }

    @Test func eachAddressPartIsCheckedUnderItsOwnField() {
        var f = acme
        f.address = Address(street: String(repeating: "s", count: 501), city: String(repeating: "c", count: 101),
                            postalCode: String(repeating: "9", count: 21))
        #expect(errors(f.check).map(\.field) == ["address.street", "address.city", "address.postalCode"])
        #expect(errors(f.check).map(\.message).contains("City must be at most 100 characters"))
    }

    @Test func anOwnerOrParentIdMustBePositive() {
        var f = acme
        (f.ownerID, f.parentID) = (0, -1)
        #expect(errors(f.check).map(\.field) == ["ownerId", "parentId"])
    }

    @Test func anAddressReadsAsOneLineWithoutEmptyParts() {
        #expect(Address(street: " 1 Rue X ", city: "Lyon", region: nil, postalCode: "69001", country: "").singleLine
                == "1 Rue X, Lyon, 69001")
    }
}
