/// Where a client stands with the firm.
public enum AccountStatus: String, Sendable, Codable, CaseIterable {
    case prospect, active, former
}

/// What a contact does in the client's buying decision.
public enum BuyingRole: String, Sendable, Codable, CaseIterable {
    case decisionMaker = "decision_maker"
    case influencer, technical, billing, other
}

/// What was done, or is to be done, with a client.
public enum ActivityKind: String, Sendable, Codable, CaseIterable {
    case call, meeting, email, note, task
}

/// Who may work the pipeline: log and change accounts, contacts and opportunities.
public enum PipelineAccess {
    /// Roles that write pipeline records; project managers and consultants read
    /// what their work touches, but the pipeline belongs to those who sell.
    public static let writers: Set<Role> = [.admin, .manager, .accountManager, .sales]
    /// Roles that see any of the pipeline at all: everyone but a consultant alone.
    public static let readers: Set<Role> = [.admin, .manager, .accountManager, .sales, .projectManager]

    public static func canWrite(_ roles: Set<Role>) -> Bool { !roles.isDisjoint(with: writers) }
    public static func canRead(_ roles: Set<Role>) -> Bool { !roles.isDisjoint(with: readers) }
}

extension String {
    /// A domain as people type it (`https://www.Acme.com/about`) reduced to `acme.com`.
    public var normalisedDomain: String {
        var d = trimmed.lowercased()
        for prefix in ["https://", "http://"] where d.hasPrefix(prefix) { d.removeFirst(prefix.count) }
        if d.hasPrefix("www.") { d.removeFirst(4) }
        if let slash = d.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { d = String(d[..<slash]) }
        return d
    }
}
