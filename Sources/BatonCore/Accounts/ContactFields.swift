/// The fields of a contact a person sets, and the limits each must keep.
public struct ContactFields: Sendable {
    public var accountID: Int64
    public var name: String
    public var email, phone, title: String?
    public var buyingRole: BuyingRole?
    public var doNotContact: Bool
    public var externalID: String?

    public init(
        accountID: Int64, name: String, email: String?, phone: String?, title: String?, buyingRole: BuyingRole?,
        doNotContact: Bool, externalID: String?
    ) {
        (self.accountID, self.name, self.email, self.phone) = (accountID, name, email, phone)
        (self.title, self.buyingRole, self.doNotContact, self.externalID) = (title, buyingRole, doNotContact, externalID)
    }

    /// Adds an error for each limit broken; an empty email is no email.
    public func check(into v: inout Validator) {
        v.check(!name.trimmed.isEmpty, "name", "Name must not be empty")
        v.check(name.count <= 200, "name", "Name must be at most 200 characters")
        if let email, !email.isEmpty { PersonRules.checkEmail(email, into: &v) }
        v.check((phone?.count ?? 0) <= 50, "phone", "Phone must be at most 50 characters")
        v.check((title?.count ?? 0) <= 200, "title", "Title must be at most 200 characters")
        v.check((externalID?.count ?? 0) <= 255, "externalId", "External id must be at most 255 characters")
    }
}
