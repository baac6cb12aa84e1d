import BatonCore
import Dates
import Foundation
import Postgres

/// An agreement a firm brings from before Baton, as one row of its CSV file.
struct ImportedAgreement: Sendable {
    /// The file's line it came from, and the term in whole months with its notice.
    var line, termMonths, noticeDays: Int
    var accountID: Int64
    var name: String
    var start, end: CalendarDate
    var mrr: Decimal
    var autoRenew: Bool
}

/// Agreements in from CSV (issue 23, item 6): the contracts a firm already has, so
/// that their renewals come up and their revenue is in the book. Columns (any order,
/// case, spaces and underscores ignored): `account external id`, `start`, `end`, `mrr`,
/// `auto-renew`, and optionally `name` and `notice days`. All or nothing: every row is
/// checked, each problem named by its line, and only a file without any is stored,
/// through `AgreementActions.bringIn`, in one transaction.
struct AgreementImport {
    static let required = ["account external id", "start", "end", "mrr", "auto-renew"]
    static let optional = ["name", "notice days"]
    let services: AppServices

    /// `POST /agreements/import` and `baton import agreements`: checks every row, then
    /// (unless `dryRun`) stores them all; answers how many rows the file holds, or
    /// throws every row's problem under `line N` (422).
    func run(_ db: Connection, caller: Caller, text: String, dryRun: Bool, today: CalendarDate) async throws -> Int {
        do {
            return try await report(db, caller: caller, text: text, dryRun: dryRun, today: today).rows
        } catch let refused as ImportRefused {
            throw RowFile.failure(refused.report)
        }
    }

    /// The import page's: the report of the file, its errors and warnings by line; a
    /// real import with any error stores nothing and throws `ImportRefused`.
    func report(_ db: Connection, caller: Caller, text: String, dryRun: Bool, today: CalendarDate) async throws -> ImportReport {
        guard ImportAccess.canImport(caller.roles) else {
            throw APIError.forbidden("Only admins, managers and account managers import files.")
        }
        var file = try RowFile(text: text, required: Self.required, optional: Self.optional)
        var rows: [ImportedAgreement] = []
        for record in file.table.records {
            if let row = try await read(db, caller: caller, record, today: today, into: &file) { rows.append(row) }
        }
        let report = file.report(kind: "agreements", dryRun: dryRun, created: file.errors.isEmpty ? rows.count : 0)
        if !file.errors.isEmpty {
            if dryRun { return report }
            throw ImportRefused(report: report)
        }
        if !dryRun { _ = try await AgreementActions(services: services).bringIn(db, caller: caller, rows) }
        return report
    }

    /// One row, or nil with its problems added to `file`.
    private func read(
        _ db: Connection, caller: Caller, _ record: CSVRecord, today: CalendarDate, into file: inout RowFile
    ) async throws -> ImportedAgreement? {
        let line = record.line
        func cell(_ name: String) -> String { file.cell(record, name) }
        let before = file.errors.count
        let externalID = cell("account external id")
        let account = try await RowImportStore().account(db, caller: caller, externalID: externalID)
        file.check(account != nil, line, "account external id",
                   externalID.isEmpty ? "The account external id is empty" : "No account you can see has the external id \(externalID)")
        let start = CalendarDate(cell("start")), end = CalendarDate(cell("end"))
        file.check(start != nil, line, "start", "The start must be a date, YYYY-MM-DD")
        file.check(end != nil, line, "end", "The end must be a date, YYYY-MM-DD")
        let mrr = Decimal(apiText: cell("mrr"))
        file.check(mrr.map { $0 >= 0 && $0 == $0.rounded(scale: 2) && $0 < 1_000_000_000_000 } ?? false, line, "mrr",
                   "MRR must be an amount of 0 or more with at most two decimals, like 1500.00")
        let autoRenew = RowFile.yesNo[cell("auto-renew").lowercased()]
        file.check(autoRenew != nil, line, "auto-renew", "Auto-renew must be yes or no (true/false, 1/0)")
        let notice = cell("notice days").isEmpty ? 0 : Int(cell("notice days"))
        file.check(notice.map { (0...365).contains($0) } ?? false, line, "notice days", "Notice days must be a whole number from 0 to 365")
        let name = cell("name").isEmpty ? "Agreement \(externalID)" : cell("name")
        file.check(name.count <= 200, line, "name", "The name must be at most 200 characters")
        var months: Int?
        if let start, let end {
            months = Self.termMonths(start: start, end: end)
            file.check(end >= start, line, "end", "The end \(end) is before the start \(start)")
            file.check(end < start || months != nil, line, "end", "The term must be at most 120 months")
            file.check(end >= today, line, "end", "The agreement ended on \(end); import the agreements still running")
        }
        if let account, let start {
            let store = AgreementStore()
            if try await store.exists(db, accountID: account, start: start) {
                file.error(line, "start", "The account \(externalID) already has an agreement starting on \(start)")
            } else if try await store.hasLive(db, accountID: account) {
                // Not a problem, but the book counts it otherwise than a first agreement.
                file.warn(line, "account external id", "The account \(externalID) already has a running agreement: this one is on the book as an expansion")
            }
        }
        guard file.errors.count == before, let account, let start, let end, let months, let mrr, let autoRenew, let notice else { return nil }
        return ImportedAgreement(line: line, termMonths: months, noticeDays: notice, accountID: account, name: name, start: start, end: end,
                                 mrr: mrr, autoRenew: autoRenew)
    }

    /// The whole months a term from `start` to `end` runs: the fewest whose last day
    /// (`AgreementRules.endDate`) is on or after `end`; nil past 120.
    static func termMonths(start: CalendarDate, end: CalendarDate) -> Int? {
        (1...120).first { AgreementRules.endDate(start: start, termMonths: $0) >= end }
    }
}
