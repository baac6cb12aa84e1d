/// The references an import resolves against the database (owners, accounts,
/// parents, stages), and the file's own name for each, so that an issue found
/// there speaks the person's words ("OwnerId", not "ownerRef").
public enum ImportReference: Sendable {
    case externalId, owner, account, parent, stage, closeDate, wonOn, lostOn, createdOn, domain, accountName

    public func header(_ kind: ImportKind, in header: [String]) -> String {
        let aliases: [String]
        switch self {
        case .externalId: aliases = ColumnAliases.externalId(kind)
        case .owner: aliases = kind == .accounts ? ColumnAliases.accountOwner : ColumnAliases.opportunityOwner
        case .account: aliases = ColumnAliases.accountRef
        case .parent: aliases = ColumnAliases.parent
        case .stage: aliases = ColumnAliases.stage
        case .closeDate: aliases = ["closeDate", "CloseDate", "Close Date"]
        case .wonOn: aliases = ColumnAliases.wonOn
        case .lostOn: aliases = ColumnAliases.lostOn
        case .createdOn: aliases = ColumnAliases.createdOn
        case .domain: aliases = ColumnAliases.domain
        case .accountName: aliases = ColumnAliases.accountName
        }
        return HeaderIndex(header).find(aliases)?.header ?? aliases[0]
    }
}
