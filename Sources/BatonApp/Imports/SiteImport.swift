import BatonCore
import Foundation
import Postgres

/// Sites in from CSV (issue 24, item 1: coordinates "entered or imported"): a firm's
/// list of client sites from its spreadsheet or old system. Columns (any order; case,
/// spaces, hyphens and underscores ignored): `account external id`, `site name`, and
/// optionally `address`, `time zone`, `latitude`, `longitude`, `access notes`, `main`.
/// A row names its site by account and name (case aside): a live site of that name is
/// updated, else one is added, so importing a file twice changes nothing the second
/// time. All or nothing: every row is checked first, by the sites' own rules, and only
/// a file without any problem is written, each row through `SiteActions`.
struct SiteImport {
    static let required = ["account external id", "site name"]
    static let optional = ["address", "time zone", "latitude", "longitude", "access notes", "main"]
    /// The sites' fields (as `SiteActions.check` names them) under the file's columns.
    static let columns = ["name": "site name", "address": "address", "timeZone": "time zone", "latitude": "latitude",
                          "longitude": "longitude", "accessNotes": "access notes", "main": "main"]
    /// What a change sends: every field but the account, which a site keeps.
    static let fields = Set(SiteInput.Field.allCases.map(\.rawValue)).subtracting(["accountId"])
    let services: AppServices

    /// One checked row: what to send the action, and the site it updates (nil: a new one).
    private struct Row {
        /// Every field of the site as the row leaves it.
        var input: SiteInput
        var stored: RowImportStore.StoredSite?
        var changes: Bool
    }

    /// Checks every row, then (unless `dryRun`) writes them all; a real import with any
    /// error stores nothing and throws `ImportRefused` with the report.
    func run(_ db: Connection, caller: Caller, text: String, dryRun: Bool) async throws -> ImportReport {
        guard ImportAccess.canImport(caller.roles) else {
            throw APIError.forbidden("Only admins, managers and account managers import files.")
        }
        var file = try RowFile(text: text, required: Self.required, optional: Self.optional)
        var rows: [Row] = []
        // Each site the file names, and each account it gives a main site, with the line that did.
        var named: [String: Int] = [:], mains: [Int64: Int] = [:]
        for record in file.table.records {
            guard let row = try await read(db, caller: caller, record, into: &file) else { continue }
            let line = record.line
            if let accountID = row.input.accountId, let name = row.input.name {
                let key = "\(accountID) \(name.lowercased())"
                if let first = named[key] { file.error(line, "site name", "Line \(first) already names the site \(name) of this account") }
                named[key] = named[key] ?? line
                if row.input.main == true {
                    if let first = mains[accountID] { file.error(line, "main", "Line \(first) already makes another site this account's main site") }
                    mains[accountID] = mains[accountID] ?? line
                }
            }
            rows.append(row)
        }
        guard file.errors.isEmpty else {
            let report = file.report(kind: "sites", dryRun: dryRun)
            if dryRun { return report }
            throw ImportRefused(report: report)
        }
        let created = rows.count { $0.stored == nil }, updated = rows.count { $0.stored != nil && $0.changes }
        if !dryRun {
            let actions = SiteActions(services: services)
            // A row that takes the main site from another goes after the rows that give it up,
            // so the file's order does not matter.
            for row in rows.sorted(by: { ($0.input.main ?? false ? 1 : 0) < ($1.input.main ?? false ? 1 : 0) }) {
                if let stored = row.stored {
                    if row.changes {
                        _ = try await actions.change(db, caller: caller, id: stored.id, expected: stored.version, input: row.input, keys: Self.fields)
                    }
                } else {
                    _ = try await actions.create(db, caller: caller, input: row.input)
                }
            }
        }
        return file.report(kind: "sites", dryRun: dryRun, created: created, updated: updated, unchanged: rows.count - created - updated)
    }

    /// One row, or nil with its problems added to `file`.
    private func read(_ db: Connection, caller: Caller, _ record: CSVRecord, into file: inout RowFile) async throws -> Row? {
        let line = record.line
        func cell(_ name: String) -> String { file.cell(record, name) }
        let before = file.errors.count
        let externalID = cell("account external id")
        let store = RowImportStore()
        let account = try await store.account(db, caller: caller, externalID: externalID)
        file.check(account != nil, line, "account external id",
                   externalID.isEmpty ? "The account external id is empty" : "No account you can see has the external id \(externalID)")
        let name = cell("site name")
        var stored: RowImportStore.StoredSite?
        if let account, !name.isEmpty {
            let same = try await store.sites(db, accountID: account, name: name)
            file.check(same.count <= 1, line, "site name",
                       "The account \(externalID) has \(same.count) sites named \(name); rename all but one in Baton, then import again")
            stored = same.first
        }
        // The site as the row leaves it: a column the file lacks keeps what is stored,
        // an empty cell clears it (a time zone cannot be "none": empty keeps it, UTC when new).
        var f = stored?.fields ?? SiteFields(accountID: account, name: name, address: nil, timeZone: "UTC", latitude: nil,
                                             longitude: nil, accessNotes: nil, isMain: false)
        f.name = name
        if file.has("address") { f.address = cell("address").nilIfEmpty }
        if !cell("time zone").isEmpty { f.timeZone = cell("time zone") }
        if file.has("latitude") { f.latitude = degrees(cell("latitude"), "latitude", like: "50.846557", line: line, into: &file) }
        if file.has("longitude") { f.longitude = degrees(cell("longitude"), "longitude", like: "4.352476", line: line, into: &file) }
        if file.has("access notes") { f.accessNotes = cell("access notes").nilIfEmpty }
        if file.has("main") {
            let main = cell("main").isEmpty ? false : RowFile.yesNo[cell("main").lowercased()]
            file.check(main != nil, line, "main", "Main must be yes or no (true/false, 1/0), or empty for no")
            f.isMain = main ?? false
        }
        // The sites' own rules, coordinates -90..90 and -180..180 among them.
        var v = Validator()
        SiteActions.check(f, into: &v)
        for problem in v.errors { file.error(line, Self.columns[problem.field] ?? problem.field, problem.message) }
        guard file.errors.count == before, account != nil else { return nil }
        let input = SiteInput(accountId: f.accountID, name: f.name, address: f.address, timeZone: f.timeZone,
                              latitude: f.latitude.map(DecimalString.init), longitude: f.longitude.map(DecimalString.init),
                              accessNotes: f.accessNotes, main: f.isMain)
        return Row(input: input, stored: stored, changes: stored.map { !Self.same($0.fields, f) } ?? true)
    }

    /// A cell of degrees: nil when empty, or with a problem when it is no number.
    private func degrees(_ text: String, _ column: String, like example: String, line: Int, into file: inout RowFile) -> Decimal? {
        guard !text.isEmpty else { return nil }
        let value = Decimal(apiText: text)
        file.check(value != nil, line, column, "\(column.capitalized) must be a number of degrees, like \(example)")
        return value
    }

    static func same(_ a: SiteFields, _ b: SiteFields) -> Bool {
        a.name == b.name && a.address == b.address && a.timeZone == b.timeZone && a.latitude == b.latitude && a.longitude == b.longitude
            && a.accessNotes == b.accessNotes && a.isMain == b.isMain
    }
}
