import Foundation

/// A typical project an account has never bought, with how many accounts of its
/// industry have: the first thing to offer it.
public struct WhiteSpaceItem: Sendable, Equatable, Codable {
    public var typicalProjectId: Int64
    public var name: String
    public var industryBuyers: Int

    public init(typicalProjectId: Int64, name: String, industryBuyers: Int) {
        self.typicalProjectId = typicalProjectId
        self.name = name
        self.industryBuyers = industryBuyers
    }
}

/// An account's white space (PRODUCT.md flow 7, `/accounts/{id}/white-space`).
public enum WhiteSpace {
    /// The catalog minus what the account has bought, most bought in its industry
    /// first, then by name (case-insensitively, then exactly, then by id, so the order
    /// never depends on the catalog's).
    ///
    /// `bought` is the account's purchases together with the rest of its hierarchy's,
    /// so that a subsidiary is not offered what the group already has.
    /// `boughtInIndustry` counts, per typical project, the accounts of the same
    /// industry that bought it; a project no one bought counts 0.
    public static func rank(catalog: [(id: Int64, name: String)], bought: Set<Int64>,
                            boughtInIndustry: [Int64: Int]) -> [WhiteSpaceItem] {
        catalog
            .filter { !bought.contains($0.id) }
            .map { WhiteSpaceItem(typicalProjectId: $0.id, name: $0.name, industryBuyers: boughtInIndustry[$0.id] ?? 0) }
            .sorted { a, b in
                if a.industryBuyers != b.industryBuyers { return a.industryBuyers > b.industryBuyers }
                let (la, lb) = (a.name.lowercased(), b.name.lowercased())
                if la != lb { return la < lb }
                return (a.name, a.typicalProjectId) < (b.name, b.typicalProjectId)
            }
    }
}
