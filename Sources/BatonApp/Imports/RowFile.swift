import BatonCore
import Foundation

/// A small CSV file read whole and checked row by row before anything is stored:
/// the imports of agreements and sites, whose rows each go through their area's
/// action rather than the streamed, set-based `ImportStore`. Its problems and
/// warnings are kept by line and by the file's own column name, as the streamed
/// imports keep them, so that the import page and `baton import` show both alike.
struct RowFile {
    let table: CSVTable
    /// Each known column (by its name in the docs) at its place in the file.
    private let column: [String: Int]
    private(set) var errors: [ImportIssue] = []
    private(set) var warnings: [ImportIssue]

    /// Reads the file and finds its columns; a file that does not read, or lacks a
    /// required column, is refused whole under `file`.
    init(text: String, required: [String], optional: [String]) throws {
        do { table = try CSV.parse(text) } catch { throw ValidationFailure("file", error.message) }
        let keys = table.header.map(Self.key)
        var column: [String: Int] = [:]
        for name in required + optional { if let i = keys.firstIndex(of: Self.key(name)) { column[name] = i } }
        self.column = column
        let missing = required.filter { column[$0] == nil }
        guard missing.isEmpty else {
            throw ValidationFailure("file", "The file needs the columns \(required.joined(separator: ", ")); missing: \(missing.joined(separator: ", "))")
        }
        let known = Set(column.values), header = table.header
        // The same words as the streamed imports', so a person reads one warning for one thing.
        warnings = header.indices.filter { !known.contains($0) && !header[$0].isEmpty }.map {
            ImportIssue(line: 1, field: header[$0], message: "Baton does not use this column; its values are not imported")
        }
    }

    /// Whether the file has the column: an absent column leaves a record's value as it is.
    func has(_ name: String) -> Bool { column[name] != nil }

    /// The record's cell in the column, trimmed; empty when the file has no such column.
    func cell(_ record: CSVRecord, _ name: String) -> String { column[name].map { record.fields[$0].trimmed } ?? "" }

    /// The column as the file spells it, so the person finds it in their spreadsheet.
    func header(_ name: String) -> String { column[name].map { table.header[$0] } ?? name }

    mutating func error(_ line: Int, _ name: String, _ message: String) {
        errors.append(ImportIssue(line: line, field: header(name), message: message))
    }

    mutating func check(_ condition: Bool, _ line: Int, _ name: String, _ message: String) {
        if !condition { error(line, name, message) }
    }

    mutating func warn(_ line: Int, _ name: String, _ message: String) {
        warnings.append(ImportIssue(line: line, field: header(name), message: message))
    }

    /// What the import did, or (dry run) would do, in the streamed imports' report.
    func report(kind: String, dryRun: Bool, created: Int = 0, updated: Int = 0, unchanged: Int = 0) -> ImportReport {
        let badLines = Set(errors.map(\.line)).count
        let listed = ImportStore.listedIssues
        return ImportReport(kind: kind, dryRun: dryRun, rows: table.records.count, valid: table.records.count - badLines, created: created,
                            updated: updated, unchanged: unchanged, matched: 0, errors: Array(errors.prefix(listed)),
                            warnings: Array(warnings.prefix(listed)), errorCount: errors.count, warningCount: warnings.count, unmapped: [])
    }

    /// A report with errors as the API's 422 names them: each under `line N`.
    static func failure(_ report: ImportReport) -> ValidationFailure {
        ValidationFailure(report.errors.map { FieldError("line \($0.line)", "\($0.field): \($0.message)") })
    }

    static let yesNo = ["yes": true, "y": true, "true": true, "1": true, "no": false, "n": false, "false": false, "0": false]

    /// How a column name is matched: case, spaces, hyphens and underscores do not count.
    static func key(_ name: String) -> String {
        String(name.lowercased().filter { !$0.isWhitespace && $0 != "_" && $0 != "-" })
    }
}
