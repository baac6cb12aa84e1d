/// What a CSV import or export holds.
public enum ImportKind: String, Sendable, CaseIterable {
    case accounts, contacts, opportunities
}

/// Which system wrote a file, told from its header.
public enum ImportSource: String, Sendable {
    case baton, salesforce, hubspot

    /// HubSpot exports always carry `Record ID`; Salesforce API exports (Data Loader,
    /// Workbench, reports with ids) carry `Id`; anything else is read as our own format.
    public static func detect(header: [String]) -> ImportSource {
        let keys = Set(header.map { CSV.columnKey($0) })
        if keys.contains("recordid") { return .hubspot }
        if keys.contains("id") { return .salesforce }
        return .baton
    }
}
