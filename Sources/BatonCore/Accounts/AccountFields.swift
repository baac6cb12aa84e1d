import Foundation

/// Where a client is: every part optional, as people know them.
public struct Address: Codable, Sendable, Equatable {
    public var street, city, region, postalCode, country: String?

    public init(street: String? = nil, city: String? = nil, region: String? = nil, postalCode: String? = nil, country: String? = nil) {
        (self.street, self.city, self.region, self.postalCode, self.country) = (street, city, region, postalCode, country)
    }

    /// One line, as a calendar's LOCATION or a page shows it.
    public var singleLine: String {
        [street, city, [region, postalCode].compactMap { $0 }.joined(separator: " "), country]
            .compactMap { $0?.trimmed }.filter { !$0.isEmpty }.joined(separator: ", ")
    }
}

/// The fields of an account a person sets, and the limits each must keep.
public struct AccountFields: Sendable {
    public var name: String
    public var domain, industry: String?
    public var ownerID, parentID: Int64?
    public var status: AccountStatus
    public var address: Address
    public var externalID: String?

    public init(
        name: String, domain: String?, industry: String?, ownerID: Int64?, parentID: Int64?,
        status: AccountStatus, address: Address, externalID: String?
    ) {
        (self.name, self.domain, self.industry, self.ownerID) = (name, domain, industry, ownerID)
        (self.parentID, self.status, self.address, self.externalID) = (parentID, status, address, externalID)
    }

    /// Adds an error for each limit broken; whether an owner or parent exists is the
    /// store's question, here only that an id could be one.
    public func check(into v: inout Validator) {
        v.check(!name.trimmed.isEmpty, "name", "Name must not be empty")
        v.check(name.count <= 200, "name", "Name must be at most 200 characters")
        v.check((domain?.count ?? 0) <= 253, "domain", "Domain must be at most 253 characters")
        v.check((industry?.count ?? 0) <= 100, "industry", "Industry must be at most 100 characters")
        v.check((address.street?.count ?? 0) <= 500, "address.street", "Street must be at most 500 characters")
        for (field, value) in [("city", address.city), ("region", address.region), ("country", address.country)] {
            v.check((value?.count ?? 0) <= 100, "address.\(field)", "\(field.capitalized) must be at most 100 characters")
        }
        v.check((address.postalCode?.count ?? 0) <= 20, "address.postalCode", "Postal code must be at most 20 characters")
        v.check((externalID?.count ?? 0) <= 255, "externalId", "External id must be at most 255 characters")
        if let owner = ownerID { v.check(owner > 0, "ownerId", "Owner must be an existing person") }
        if let parent = parentID { v.check(parent > 0, "parentId", "Parent must be an existing account") }
    }
}
