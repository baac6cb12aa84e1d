/// Turns a parsed CSV file into typed, checked rows of one kind.
///
/// Columns are matched by our own export names, Salesforce API names and HubSpot export
/// labels, ignoring case and spaces. A missing required column fails the whole file; a
/// wrong cell becomes an issue on its row, and a row with any issue is left out.
public enum ImportMapping {
    /// Our own CSV columns, in export order; the import accepts them too.
    public static func exportColumns(_ kind: ImportKind) -> [String] {
        switch kind {
        case .accounts:
            ["externalId", "name", "domain", "industry", "ownerEmail", "parentExternalId", "status",
             "street", "city", "region", "postalCode", "country"]
        case .contacts:
            ["externalId", "accountExternalId", "name", "email", "phone", "title", "buyingRole", "doNotContact"]
        case .opportunities:
            ["externalId", "accountExternalId", "name", "kind", "stage", "amount", "closeDate", "ownerEmail",
             "nextStep", "source", "probability", "forecastCategory", "lostReason", "wonOn", "lostOn", "createdOn"]
        }
    }

    /// The rows and the issues of each row. (What is about the file as a whole, such as
    /// columns Baton does not read, is the mapper's `fileWarnings`.)
    public static func accounts(_ table: CSVTable, mapping: ImportValueMapping = .none) throws(ImportFileError)
        -> (rows: [AccountImportRow], issues: [ImportIssue])
    {
        read(table, try accountMapper(header: table.header, mapping: mapping))
    }

    public static func contacts(_ table: CSVTable, mapping: ImportValueMapping = .none) throws(ImportFileError)
        -> (rows: [ContactImportRow], issues: [ImportIssue])
    {
        read(table, try contactMapper(header: table.header, mapping: mapping))
    }

    public static func opportunities(_ table: CSVTable, mapping: ImportValueMapping = .none) throws(ImportFileError)
        -> (rows: [OpportunityImportRow], issues: [ImportIssue])
    {
        read(table, try opportunityMapper(header: table.header, mapping: mapping))
    }

    /// Reads one record at a time: what a streaming import uses.
    public static func accountMapper(header: [String], mapping: ImportValueMapping = .none) throws(ImportFileError)
        -> ImportRowMapper<AccountImportRow>
    {
        let columns = HeaderIndex(header)
        guard let name = columns.find(ColumnAliases.accountName) else {
            throw .missing([("name", ColumnAliases.accountName)])
        }
        let id = columns.find(ColumnAliases.externalId(.accounts))
        let domain = columns.find(ColumnAliases.domain)
        let industry = columns.find(ColumnAliases.industry)
        let owner = columns.find(ColumnAliases.accountOwner)
        let parent = columns.find(ColumnAliases.parent)
        let status = columns.find(ColumnAliases.status)
        let street = columns.find(ColumnAliases.street)
        let city = columns.find(ColumnAliases.city)
        let region = columns.find(ColumnAliases.region)
        let postalCode = columns.find(ColumnAliases.postalCode)
        let country = columns.find(ColumnAliases.country)

        return ImportRowMapper(idColumn: id, ownID: \.externalId, header: header, columns: columns, mapping: mapping) { r in
            AccountImportRow(
                line: r.line,
                externalId: r.externalId(id, "External Id"),
                name: r.name(name),
                domain: r.website(domain),
                industry: r.text(industry, "Industry"),
                ownerRef: r.text(owner, "Owner"),
                parentExternalId: r.externalId(parent, "Parent Account"),
                status: accountStatus(status, &r),
                street: r.text(street, "Street"),
                city: r.text(city, "City"),
                region: r.text(region, "Region"),
                postalCode: r.text(postalCode, "Postal Code"),
                country: r.text(country, "Country"))
        }
    }

    public static func contactMapper(header: [String], mapping: ImportValueMapping = .none) throws(ImportFileError)
        -> ImportRowMapper<ContactImportRow>
    {
        let columns = HeaderIndex(header)
        let name = columns.find(ColumnAliases.contactName)
        let first = columns.find(ColumnAliases.firstName)
        let last = columns.find(ColumnAliases.lastName)
        guard name != nil || first != nil || last != nil else {
            throw .missing([("name", ColumnAliases.contactName + ColumnAliases.firstName + ColumnAliases.lastName)])
        }
        let id = columns.find(ColumnAliases.externalId(.contacts))
        let account = columns.find(ColumnAliases.accountRef)
        let email = columns.find(ColumnAliases.email)
        let phone = columns.find(ColumnAliases.phone)
        let mobile = columns.find(ColumnAliases.mobile)
        let title = columns.find(ColumnAliases.title)
        let buyingRole = columns.find(ColumnAliases.buyingRole)
        // Salesforce splits "do not contact" into two checkboxes; either one means do not.
        let doNotContact = [ColumnAliases.doNotContact, ColumnAliases.optedOutOfEmail, ColumnAliases.doNotCall]
            .compactMap { columns.find($0) }

        return ImportRowMapper(idColumn: id, ownID: \.externalId, header: header, columns: columns, mapping: mapping) { r in
            ContactImportRow(
                line: r.line,
                externalId: r.externalId(id, "External Id"),
                accountExternalId: r.externalId(account, "Account"),
                name: r.personName(name: name, first: first, last: last),
                email: r.email(email),
                phone: r.text(phone, "Phone") ?? r.text(mobile, "Mobile"),
                title: r.text(title, "Title"),
                buyingRole: r.choice(buyingRole, "Buying Role", ImportChoices.buyingRole, accepted: ImportChoices.buyingRoleValues),
                doNotContact: doNotContact.map { r.yesNo($0, "Do Not Contact") }.contains(true))
        }
    }

    public static func opportunityMapper(header: [String], mapping: ImportValueMapping = .none) throws(ImportFileError)
        -> ImportRowMapper<OpportunityImportRow>
    {
        let columns = HeaderIndex(header)
        let name = columns.find(ColumnAliases.opportunityName)
        let stage = columns.find(ColumnAliases.stage)
        guard let name, stage != nil else {
            throw .missing(
                [name == nil ? ("name", ColumnAliases.opportunityName) : nil, stage == nil ? ("stage", ColumnAliases.stage) : nil]
                    .compactMap { $0 })
        }
        let id = columns.find(ColumnAliases.externalId(.opportunities))
        let account = columns.find(ColumnAliases.accountRef)
        let kind = columns.find(ColumnAliases.kind)
        let amount = columns.find(ColumnAliases.amount)
        let closeDate = columns.find(ColumnAliases.closeDate)
        let owner = columns.find(ColumnAliases.opportunityOwner)
        let nextStep = columns.find(ColumnAliases.nextStep)
        let source = columns.find(ColumnAliases.source)
        let probability = columns.find(ColumnAliases.probability)
        let forecast = columns.find(ColumnAliases.forecastCategory)
        let lostReason = columns.find(ColumnAliases.lostReason)
        let createdOn = columns.find(ColumnAliases.createdOn)
        let wonOn = columns.find(ColumnAliases.wonOn)
        let lostOn = columns.find(ColumnAliases.lostOn)

        return ImportRowMapper(idColumn: id, ownID: \.externalId, header: header, columns: columns, mapping: mapping) { r in
            OpportunityImportRow(
                line: r.line,
                externalId: r.externalId(id, "External Id"),
                accountExternalId: r.externalId(account, "Account"),
                name: r.name(name),
                kind: r.choice(kind, "Kind", ImportChoices.kind, accepted: ImportChoices.kindValues),
                stageRef: r.text(stage, "Stage").map(StageAliases.normalise),
                amount: r.amount(amount),
                closeDate: r.date(closeDate, "Close Date"),
                ownerRef: r.text(owner, "Owner"),
                nextStep: r.text(nextStep, "Next Step"),
                source: leadSource(source, &r),
                probability: r.probability(probability),
                forecastCategory: r.choice(
                    forecast, "Forecast Category", ImportChoices.forecastCategory, accepted: ImportChoices.forecastCategoryValues),
                lostReason: r.text(lostReason, "Lost Reason"),
                createdOn: r.date(createdOn, "Created Date"),
                wonOn: r.date(wonOn, "Won On"),
                lostOn: r.date(lostOn, "Lost On"))
        }
    }

    /// Our `status` column is checked strictly; Salesforce's `Type` is read for what it
    /// clearly says and otherwise ignored, since every org customises that picklist.
    private static func accountStatus(_ column: MatchedColumn?, _ r: inout ImportRowReader) -> String? {
        guard let column else { return nil }
        if column.aliasKey == "type" {
            return r.cell(column).flatMap(ImportChoices.statusFromSalesforceType)
        }
        return r.choice(column, "Status", ImportChoices.status, accepted: ImportChoices.statusValues)
    }

    /// Our `source` is free text, kept as written; Salesforce's `LeadSource` and
    /// HubSpot's original source are read as Baton's keys for their standard values.
    private static func leadSource(_ column: MatchedColumn?, _ r: inout ImportRowReader) -> String? {
        guard let column, let text = r.text(column, "Source") else { return nil }
        return column.aliasKey == "source" ? text : ImportChoices.sourceValue(text)
    }

    /// Reads every record of a parsed file, catches external ids used twice, and keeps
    /// only the rows without issues. (A streaming import finds the repeats in its
    /// staging table instead, so that it holds no list of every id.)
    private static func read<Row>(_ table: CSVTable, _ mapper: ImportRowMapper<Row>) -> (rows: [Row], issues: [ImportIssue]) {
        var rows: [Row] = []
        rows.reserveCapacity(table.records.count)
        var issues: [ImportIssue] = []
        var firstLine: [String: Int] = [:]
        for record in table.records {
            var mapped = mapper.map(record)
            if let id = mapped.externalID, let column = mapper.idColumn {
                if let first = firstLine[id] {
                    mapped.issues.append(ImportIssue(line: record.line, field: column.header,
                                                     message: duplicateMessage(mapped.writtenID ?? id, firstLine: first)))
                } else {
                    firstLine[id] = record.line
                }
            }
            if mapped.issues.isEmpty, let row = mapped.row {
                rows.append(row)
            } else {
                issues += mapped.issues
            }
        }
        return (rows, issues)
    }

    /// A value that is none of the accepted ones, named with them (a row error).
    public static func unknownValueMessage(_ label: String, _ value: String, accepted: [String]) -> String {
        ImportRowReader.unknownMessage(label, value, accepted: accepted)
    }

    /// An external id used twice in one file would make the second row silently
    /// overwrite the first.
    public static func duplicateMessage(_ written: String, firstLine: Int) -> String {
        "External Id \(written) is also on line \(firstLine); keep one row per record"
    }
}

/// One record of a file made into a row, with what was wrong with it.
public struct MappedRecord<Row: Sendable>: Sendable {
    /// The row; nil when it has issues (it is left out of the import).
    public var row: Row?
    public var issues: [ImportIssue]
    /// The row's own id in its stored form (`sf:…`), and as the file wrote it.
    public var externalID: String?
    public var writtenID: String?
    /// Values of choice columns that are none of the accepted ones (each also an issue).
    public var unmapped: [UnmappedValue] = []
}

/// Makes rows of one kind from records, one at a time, with the columns found in
/// the header once.
public struct ImportRowMapper<Row: Sendable>: Sendable {
    let idColumn: MatchedColumn?
    let ownID: @Sendable (Row) -> String?
    let make: @Sendable (inout ImportRowReader) -> Row
    let mapping: [Int: [String: String]]
    /// About the file as a whole, on line 1 (the header): each column Baton does not
    /// read, named, so that nothing is dropped silently; and each column a value
    /// mapping names that the file does not have.
    public let fileWarnings: [ImportIssue]

    let header: [String]

    init(idColumn: MatchedColumn?, ownID: @escaping @Sendable (Row) -> String?, header: [String], columns: HeaderIndex,
         mapping: ImportValueMapping, make: @escaping @Sendable (inout ImportRowReader) -> Row) {
        self.header = header
        self.idColumn = idColumn
        self.ownID = ownID
        self.make = make
        self.mapping = mapping.byIndex(header)
        fileWarnings = columns.unused.map {
            ImportIssue(line: 1, field: $0, message: "Baton does not use this column; its values are not imported")
        } + mapping.missing(from: header).map {
            ImportIssue(line: 1, field: $0, message: "The value mapping names this column, but the file has no such column")
        }
    }

    /// The file's own name of the id column, for issues found later.
    public var idHeader: String? { idColumn?.header }

    /// A record's cell under the file's own header, trimmed, as written (before any
    /// value mapping): for naming a value that is checked later, like a stage.
    public func written(_ record: CSVRecord, column: String) -> String? {
        guard let i = header.firstIndex(of: column), i < record.fields.count else { return nil }
        let value = ImportValues.trim(record.fields[i])
        return value.isEmpty ? nil : value
    }

    public func map(_ record: CSVRecord) -> MappedRecord<Row> {
        var reader = ImportRowReader(record, mapping: mapping)
        let row = make(&reader)
        let id = ownID(row)
        if let idColumn, case .refused(let message) = ExternalIDRules.check(id, use: .importRow) {
            reader.flag(idColumn, message)
        }
        let issues = reader.issues
        return MappedRecord(row: issues.isEmpty ? row : nil, issues: issues, externalID: id,
                            writtenID: reader.cell(idColumn), unmapped: reader.unmapped)
    }
}

extension ImportFileError {
    /// The file lacks required columns: name each one and the headers it may have.
    static func missing(_ columns: [(name: String, accepted: [String])]) -> ImportFileError {
        let parts = columns.map { column in
            "no \(column.name) column (call it \(listed(column.accepted)))"
        }
        return ImportFileError(
            missingColumns: columns.map(\.name),
            message: "The file has " + parts.joined(separator: " and ") + "; rename the column in the first line and try again")
    }

    private static func listed(_ names: [String]) -> String {
        var unique: [String] = []
        for name in names where !unique.contains(name) {
            unique.append(name)
        }
        guard unique.count > 1, let last = unique.last else { return unique.first ?? "" }
        return unique.dropLast().joined(separator: ", ") + " or " + last
    }
}
