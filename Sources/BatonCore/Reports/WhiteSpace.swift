import Foundation

/// A typical project an account has never bought, with how many accounts of its
/// industry have: the first thing to offer it.
public struct WhiteSpaceItem: Sendable, Equatable, Codable {
    public var typicalProjectId: Int64
    public var name: String
    public var industryBuyers: Int
}

/// An account's white space (PRODUCT.md flow 7, `/accounts/{id}/white-space`).
public enum WhiteSpace {
    /// The typical projects a won deal's name names (issue 19, item 9): a win
    /// imported without a proposal or a project still shows what was bought. A
    /// typical project is named when its words appear together, in order, among
    /// the deal's ("Cloud migration – phase 2" names "Cloud migration"), ignoring
    /// case and punctuation.
    public static func named(inDeal dealName: String, catalog: [(id: Int64, name: String)]) -> Set<Int64> {
        let deal = words(dealName)
        return Set(catalog.filter { item in
            let want = words(item.name)
            guard !want.isEmpty, want.count <= deal.count else { return false }
            return (0...(deal.count - want.count)).contains { Array(deal[$0..<($0 + want.count)]) == want }
        }.map(\.id))
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

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
