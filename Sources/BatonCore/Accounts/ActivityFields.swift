/// The fields of an activity a person sets, and the limits each must keep.
///
/// Generic over `Instant`, the type its due and done times are kept in: the rule
/// never reads them, and Core does not depend on the database module whose
/// `Timestamp` the app stores (the app uses `ActivityFields<Timestamp>`).
public struct ActivityFields<Instant: Sendable>: Sendable {
    public var kind: ActivityKind
    public var subject: String
    public var body: String?
    public var accountID: Int64
    public var contactID, opportunityID, projectID: Int64?
    public var ownerID: Int64
    public var dueAt, doneAt: Instant?

    public init(
        kind: ActivityKind, subject: String, body: String?, accountID: Int64, contactID: Int64?, opportunityID: Int64?,
        projectID: Int64?, ownerID: Int64, dueAt: Instant?, doneAt: Instant?
    ) {
        (self.kind, self.subject, self.body, self.accountID, self.contactID) = (kind, subject, body, accountID, contactID)
        (self.opportunityID, self.projectID, self.ownerID) = (opportunityID, projectID, ownerID)
        (self.dueAt, self.doneAt) = (dueAt, doneAt)
    }

    /// Adds an error for each limit broken; whether the linked records exist and
    /// belong together is the store's question.
    public func check(into v: inout Validator) {
        v.check(!subject.trimmed.isEmpty, "subject", "Subject must not be empty")
        v.check(subject.count <= 200, "subject", "Subject must be at most 200 characters")
        v.check((body?.count ?? 0) <= 20_000, "body", "Body must be at most 20,000 characters")
    }
}
