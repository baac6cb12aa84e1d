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

/// Finds columns by any of their accepted names, ignoring case, spaces and underscores,
/// and remembers which columns it found, so that the rest can be named as unused.
final class HeaderIndex {
    private let header: [String]
    private let indexByKey: [String: Int]
    private(set) var used: Set<Int> = []

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
                used.insert(i)
                return MatchedColumn(index: i, header: header[i], alias: alias, aliasKey: CSV.columnKey(alias))
            }
        }
        return nil
    }

    /// The named columns no `find` has matched, in file order: Baton does not read them,
    /// and the report says so instead of dropping them silently.
    var unused: [String] {
        header.enumerated().filter { !$0.element.isEmpty && !used.contains($0.offset) }.map(\.element)
    }
}

/// The header names accepted for each of our fields: ours first (they are also the
/// export columns), then Salesforce's API names and report labels, then HubSpot's
/// export labels. Names that differ only in case or spacing (`CloseDate`, `Close Date`)
/// are one entry.
enum ColumnAliases {
    /// A record's own id. A Salesforce report names it after the object ("Account ID"
    /// in an accounts report), and in a contacts or opportunities report "Account ID"
    /// is the account the row belongs to, so the own id's names depend on the kind.
    static func externalId(_ kind: ImportKind) -> [String] {
        switch kind {
        case .accounts: ["externalId", "Id", "Record ID", "Account ID"]
        case .contacts: ["externalId", "Id", "Record ID", "Contact ID"]
        case .opportunities: ["externalId", "Id", "Record ID", "Opportunity ID"]
        }
    }
    static let accountRef = [
        "accountExternalId", "AccountId", "Associated Company IDs (Primary)", "Associated Company IDs",
        "Associated Company ID",
    ]

    static let accountName = ["name", "Name", "Account Name", "Company name"]
    static let domain = ["domain", "Website", "Company Domain Name", "Website URL"]
    static let industry = ["industry"]
    static let accountOwner = ["ownerEmail", "OwnerId", "Company owner", "Account Owner"]
    static let parent = ["parentExternalId", "ParentId", "Parent Account ID", "Parent Company ID", "Parent Company"]
    static let status = ["status", "Type"]
    static let street = ["street", "BillingStreet", "Street Address"]
    static let city = ["city", "BillingCity"]
    static let region = ["region", "BillingState", "Billing State/Province", "State/Region"]
    static let postalCode = ["postalCode", "BillingPostalCode", "Billing Zip/Postal Code", "Zip"]
    static let country = ["country", "BillingCountry", "Country/Region"]

    static let contactName = ["name", "Name", "Full Name"]
    static let firstName = ["FirstName", "First Name"]
    static let lastName = ["LastName", "Last Name"]
    static let email = ["email"]
    static let phone = ["phone", "Phone Number"]
    /// Read when the phone cell is empty.
    static let mobile = ["MobilePhone", "Mobile", "Mobile Phone Number"]
    static let title = ["title", "Job Title"]
    static let buyingRole = ["buyingRole", "Contact Role", "Role", "Buying Role"]
    static let doNotContact = ["doNotContact"]
    static let optedOutOfEmail = ["HasOptedOutOfEmail", "Email Opt Out", "Unsubscribed from all email"]
    static let doNotCall = ["DoNotCall"]

    static let opportunityName = ["name", "Name", "Opportunity Name", "Deal Name"]
    static let kind = ["kind", "Type", "Deal Type"]
    static let stage = ["stage", "StageName", "Deal Stage"]
    static let amount = ["amount"]
    static let closeDate = ["closeDate"]
    static let createdOn = ["createdOn", "CreatedDate", "Create Date"]
    static let wonOn = ["wonOn"]
    static let lostOn = ["lostOn"]
    static let opportunityOwner = ["ownerEmail", "OwnerId", "Deal owner", "Opportunity Owner"]
    static let nextStep = ["nextStep"]
    static let source = ["source", "LeadSource", "Original Source"]
    static let probability = ["probability", "Probability (%)"]
    static let forecastCategory = ["forecastCategory", "ForecastCategoryName", "Forecast Category"]
    static let lostReason = ["lostReason", "Loss Reason", "Closed Lost Reason"]
}

/// How ids from other systems are stored, so that files from one export link up with
/// each other and a second import of the same file updates instead of duplicating.
enum ExternalIds {
    /// `sf:` for Salesforce id columns, `hs:` for HubSpot's, none for our own.
    static func prefix(for column: MatchedColumn) -> String {
        switch column.aliasKey {
        case "id", "accountid", "parentid", "contactid", "opportunityid", "parentaccountid": "sf:"
        case "recordid", "associatedcompanyids(primary)", "associatedcompanyids", "associatedcompanyid",
             "parentcompanyid", "parentcompany": "hs:"
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
        if prefix == "sf:" { id = salesforceLongID(id) }
        return id.isEmpty ? nil : prefix + id
    }

    /// Salesforce writes an id in two forms: 15 characters, case-sensitive, in report
    /// exports, and 18 (the 15 and a checksum of their case) through the API and Data
    /// Loader. The 18-character form is stored, so that both files name one record.
    static func salesforceLongID(_ id: String) -> String {
        let bytes = Array(id.utf8)
        guard bytes.count == 15, bytes.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return id }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
        var suffix = ""
        for chunk in 0..<3 {
            var flags = 0
            for i in 0..<5 where (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[chunk * 5 + i]) {
                flags |= 1 << i
            }
            suffix.append(alphabet[flags])
        }
        return id + suffix
    }
}
