/// A column of the import file that holds one of our fields.
struct MatchedColumn: Sendable {
    /// Where the column is in each record.
    let index: Int
    /// The file's own header, for reporting issues in the person's words.
    let header: String
    /// Which accepted name matched, since that can decide how the value is read
    /// (Salesforce's `Type` is not our `status`; `Id` gets the `sf:` prefix).
    let alias: String
    /// `alias` as `CSV.columnKey` writes it, worked out once per file, not once per cell.
    let aliasKey: String
}

/// Finds columns by any of their accepted names, ignoring case, spaces and underscores.
struct HeaderIndex {
    private let header: [String]
    private let indexByKey: [String: Int]

    init(_ header: [String]) {
        self.header = header
        var indexByKey: [String: Int] = [:]
        for (i, name) in header.enumerated() where !name.isEmpty {
            let key = CSV.columnKey(name)
            if indexByKey[key] == nil { indexByKey[key] = i }
        }
        self.indexByKey = indexByKey
    }

    /// The column for the first accepted name the file has, in the order given.
    func find(_ aliases: [String]) -> MatchedColumn? {
        for alias in aliases {
            if let i = indexByKey[CSV.columnKey(alias)] {
                return MatchedColumn(index: i, header: header[i], alias: alias, aliasKey: CSV.columnKey(alias))
            }
        }
        return nil
    }
}

/// The header names accepted for each of our fields: ours first (they are also the
/// export columns), then Salesforce's API names, then HubSpot's export labels. Names
/// that differ only in case or spacing (`CloseDate`, `Close Date`) are one entry.
enum ColumnAliases {
    static let externalId = ["externalId", "Id", "Record ID"]
    static let accountRef = [
        "accountExternalId", "AccountId", "Associated Company IDs (Primary)", "Associated Company IDs",
        "Associated Company ID",
    ]

    static let accountName = ["name", "Name", "Account Name", "Company name"]
    static let domain = ["domain", "Website", "Company Domain Name", "Website URL"]
    static let industry = ["industry"]
    static let accountOwner = ["ownerEmail", "OwnerId", "Company owner", "Account Owner"]
    static let parent = ["parentExternalId", "ParentId"]
    static let status = ["status", "Type"]
    static let street = ["street", "BillingStreet", "Street Address"]
    static let city = ["city", "BillingCity"]
    static let region = ["region", "BillingState", "State/Region"]
    static let postalCode = ["postalCode", "BillingPostalCode"]
    static let country = ["country", "BillingCountry", "Country/Region"]

    static let contactName = ["name", "Name", "Full Name"]
    static let firstName = ["FirstName", "First Name"]
    static let lastName = ["LastName", "Last Name"]
    static let email = ["email"]
    static let phone = ["phone", "Phone Number"]
    static let title = ["title", "Job Title"]
    static let buyingRole = ["buyingRole"]
    static let doNotContact = ["doNotContact"]
    static let optedOutOfEmail = ["HasOptedOutOfEmail"]
    static let doNotCall = ["DoNotCall"]

    static let opportunityName = ["name", "Name", "Opportunity Name", "Deal Name"]
    static let kind = ["kind", "Type", "Deal Type"]
    static let stage = ["stage", "StageName", "Deal Stage"]
    static let amount = ["amount"]
    static let closeDate = ["closeDate"]
    static let opportunityOwner = ["ownerEmail", "OwnerId", "Deal owner", "Opportunity Owner"]
    static let nextStep = ["nextStep"]
    static let source = ["source", "LeadSource"]
    static let probability = ["probability", "Probability (%)"]
    static let forecastCategory = ["forecastCategory", "ForecastCategoryName"]
    static let lostReason = ["lostReason", "Closed Lost Reason"]
}

/// How ids from other systems are stored, so that files from one export link up with
/// each other and a second import of the same file updates instead of duplicating.
enum ExternalIds {
    /// `sf:` for Salesforce id columns, `hs:` for HubSpot's, none for our own.
    static func prefix(for column: MatchedColumn) -> String {
        switch column.aliasKey {
        case "id", "accountid", "parentid": "sf:"
        case "recordid", "associatedcompanyids(primary)", "associatedcompanyids", "associatedcompanyid": "hs:"
        default: ""
        }
    }

    /// The stored form of an id cell. HubSpot lists several associated companies as
    /// `1;2;3`; a contact or deal belongs to one account here, so the first one wins.
    static func stored(_ cell: String, column: MatchedColumn) -> String? {
        let prefix = prefix(for: column)
        var id = cell
        if prefix == "hs:" {
            id = cell.split(separator: ";").lazy.map { String($0).trimmed }.first { !$0.isEmpty } ?? ""
        }
        return id.isEmpty ? nil : prefix + id
    }
}
