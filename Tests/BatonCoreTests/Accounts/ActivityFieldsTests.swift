import BatonCore
import Testing

/// The field rules of activities, without a database.
@Suite struct ActivityFieldsTests {
    /// The dates are not the rule's business, so any instant type will do here.
    let call = ActivityFields<Int>(
        kind: .call, subject: "Intro call", body: nil, accountID: 1, contactID: nil, opportunityID: nil, projectID: nil,
        ownerID: 2, dueAt: nil, doneAt: 5)

    @Test func aGoodActivityPasses() {
        var v = Validator()
        call.check(into: &v)
        #expect(v.errors.isEmpty)
    }

    @Test func aSubjectIsNeededAndABodyIsAtMost20000Characters() {
        var f = call
        (f.subject, f.body) = (" ", String(repeating: "b", count: 20_001))
        var v = Validator()
        f.check(into: &v)
        #expect(v.errors == [FieldError("subject", "Subject must not be empty"),
                             FieldError("body", "Body must be at most 20,000 characters")])
    }
}
