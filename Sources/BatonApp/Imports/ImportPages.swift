import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// The import page: upload a CSV, see the dry run's row errors and warnings, map each
/// value Baton could not read to one it accepts, and import. It runs the same
/// `ImportStore.run` as `POST /api/v1/imports/{kind}`, with the same mapping; agreements
/// and sites go through their own imports (`AgreementImport`, `SiteImport`), as their API does.
struct ImportPage {
    struct Unmapped { var index: Int; var column: String; var value: String; var rows: String; var accepted: String; var choices: [Choice] }
    /// A value the person was asked about on an earlier step, with what they chose.
    struct Asked { var column: String; var value: String; var accepted: [String]; var chosen: String? }
    var kinds: [Choice]
    var kind: String
    /// What the import did or would do, as the API reports it.
    var report: ImportReport
    var message = "", problem = "", csv = ""
    var hasMessage = false, hasProblem = false, hasReport = false, hasErrors = false, hasWarnings = false
    var unmapped: [Unmapped] = []
    var hasUnmapped = false, canImport = false
    /// "The first 1,000 of 1,234 are listed", when the report lists only some.
    var listedNote: String?

    static func empty(kind: ImportFileKind = .accounts) -> ImportPage {
        ImportPage(kinds: kinds(kind), kind: kind.rawValue,
                   report: ImportReport(kind: kind.rawValue, dryRun: true, rows: 0, valid: 0, created: 0, updated: 0, unchanged: 0,
                                        matched: 0, errors: [], warnings: [], errorCount: 0, warningCount: 0, unmapped: []))
    }

    static func kinds(_ selected: ImportFileKind) -> [Choice] {
        ImportFileKind.allCases.map { Choice(value: $0.rawValue, label: $0.label, selected: $0 == selected) }
    }

    /// The report of a dry run (or of a refused or finished import), with the file kept
    /// in the form for the next step and the person's mappings chosen again.
    static func report(_ report: ImportReport, kind: ImportFileKind, csv: String, asked: [Asked]) -> ImportPage {
        var page = empty(kind: kind)
        page.hasReport = true
        page.report = report
        page.hasErrors = !report.errors.isEmpty
        page.hasWarnings = !report.warnings.isEmpty
        let listed = report.errors.count + report.warnings.count, all = report.errorCount + report.warningCount
        if listed < all { page.listedNote = "The first \(listed.formatted()) of \(all.formatted()) errors and warnings are listed; fix them and check again." }
        // The values still unknown, then those mapped on an earlier step (no longer
        // unknown, but kept in the form so that the import uses the same mapping).
        var values = report.unmapped.map { u in
            Asked(column: u.column, value: u.value, accepted: u.accepted,
                  chosen: asked.first { $0.column == u.column && $0.value == u.value }?.chosen)
        }
        let rows = Dictionary(report.unmapped.map { ($0.column + "\u{0}" + $0.value, $0.rows) }, uniquingKeysWith: +)
        values += asked.filter { a in a.chosen != nil && !values.contains { $0.column == a.column && $0.value == a.value } }
        page.unmapped = values.enumerated().map { i, u in
            Unmapped(index: i, column: u.column, value: u.value, rows: rows[u.column + "\u{0}" + u.value].map(String.init) ?? "mapped",
                     accepted: u.accepted.joined(separator: "\n"),
                     choices: [Choice(value: "", label: "leave it (the rows stay errors)", selected: u.chosen == nil)]
                        + u.accepted.map { Choice(value: $0, label: $0, selected: $0 == u.chosen) })
        }
        page.hasUnmapped = !page.unmapped.isEmpty
        page.csv = report.dryRun ? csv : ""
        page.canImport = report.dryRun && report.errorCount == 0
        return page
    }
}

extension WebRoutes {

    /// The largest file the page takes: a page holds the file in its form between the
    /// dry run and the import, so bigger files go through the API or `baton import`.
    static let importPageMaxBytes = 10 << 20

    @Sendable func importPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard ImportAccess.canImport(caller.roles) else { return forbidden() }
        return importPage(caller, token, ImportPage.empty())
    }

    func importPage(_ caller: Caller, _ token: String, _ body: ImportPage, status: HTTPResponse.Status = .ok) -> Response {
        renderer.page("import", Page(frame: frame(caller, sessionToken: token, title: "Import", area: "imports"), body: body), status: status)
    }

    /// One form for every step: `step=check` runs a dry run, `step=import` imports. The
    /// file comes as an upload (`file`) the first time and as the kept text (`csv`) after.
    @Sendable func importForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard ImportAccess.canImport(caller.roles) else { return forbidden() }
        let buffer = try await request.body.collect(upTo: Self.importPageMaxBytes + (64 << 10))
        guard let form = MultipartForm(contentType: request.headers[.contentType], body: Array(buffer.readableBytesView)) else {
            return forbidden()
        }
        guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
        let kind = ImportFileKind(rawValue: form["kind"] ?? "") ?? .accounts
        var page = ImportPage.empty(kind: kind)
        // The kept text comes back from a textarea: a browser may add an indented last line.
        let kept = form["csv"].map { String($0.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
        let csv = form.file("file").flatMap { $0.isEmpty ? nil : $0 } ?? kept ?? ""
        guard !csv.isEmpty else {
            page.problem = "Choose the CSV file to import."
            page.hasProblem = true
            return importPage(caller, token, page, status: .unprocessableContent)
        }
        // The person's mappings: for each listed value, its column, the value, the
        // accepted values and the choice.
        var mapping: [String: [String: String]] = [:]
        var asked: [ImportPage.Asked] = []
        var i = 0
        while let column = form["mapColumn\(i)"], let value = form["mapValue\(i)"] {
            let target = form["mapTo\(i)"].flatMap { $0.isEmpty ? nil : $0 }
            if let target { mapping[column, default: [:]][value] = target }
            let accepted = (form["mapAccepted\(i)"] ?? "").split(whereSeparator: \.isNewline).map(String.init)
            asked.append(.init(column: column, value: value, accepted: accepted.isEmpty ? target.map { [$0] } ?? [] : accepted, chosen: target))
            i += 1
        }
        let dryRun = form["step"] != "import"
        do {
            let today = Timestamp.now.calendarDate
            let report = try await services.pool.withTransaction { db in
                switch kind {
                case .agreements: try await AgreementImport(services: services).report(db, caller: caller, text: csv, dryRun: dryRun, today: today)
                case .sites: try await SiteImport(services: services).run(db, caller: caller, text: csv, dryRun: dryRun)
                case .travelTimes: try await TravelTimeImport(services: services).run(db, caller: caller, text: csv, dryRun: dryRun)
                case .accounts, .contacts, .opportunities:
                    try await services.imports.run(db, kind: ImportKind(rawValue: kind.rawValue) ?? .accounts, data: Data(csv.utf8),
                                                   mapping: ImportValueMapping(mapping), dryRun: dryRun, caller: caller, today: today)
                }
            }
            page = ImportPage.report(report, kind: kind, csv: csv, asked: asked)
            if !dryRun {
                page.message = "Imported: \(report.created) created, \(report.updated) updated, \(report.unchanged) unchanged."
                page.hasMessage = true
            }
            return importPage(caller, token, page)
        } catch let refused as ImportRefused {
            page = ImportPage.report(refused.report, kind: kind, csv: csv, asked: asked)
            page.problem = "Nothing was imported: the file has problems. Fix them, or map the values, and check again."
            page.hasProblem = true
            page.csv = csv
            return importPage(caller, token, page, status: .unprocessableContent)
        } catch let error as APIError {
            page.problem = error.detail
            page.hasProblem = true
            return importPage(caller, token, page, status: .unprocessableContent)
        } catch let failure as ValidationFailure {
            // A file the row imports cannot read at all (a missing column, broken quoting).
            page.problem = failure.errors.map(\.message).joined(separator: "; ")
            page.hasProblem = true
            return importPage(caller, token, page, status: .unprocessableContent)
        }
    }
}

/// What the page imports: the streamed kinds of `ImportStore`, and agreements, sites and
/// travel times, whose files are read whole and written row by row through their area's action.
enum ImportFileKind: String, CaseIterable {
    case accounts, contacts, opportunities, agreements, sites
    case travelTimes = "travel-times"

    var label: String { self == .travelTimes ? "Travel times between sites" : rawValue.capitalized }
}

/// A `multipart/form-data` body: the import page's upload. Small and strict: the parts'
/// names and, for a file, its bytes as UTF-8 text.
struct MultipartForm {
    private var fields: [String: String] = [:]
    private var files: [String: String] = [:]

    subscript(name: String) -> String? { fields[name] }

    func file(_ name: String) -> String? { files[name] }

    init?(contentType: String?, body: [UInt8]) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
            let range = contentType.range(of: "boundary=")
        else { return nil }
        var boundary = String(contentType[range.upperBound...])
        if let end = boundary.firstIndex(of: ";") { boundary = String(boundary[..<end]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty else { return nil }
        let delimiter = Array(("--" + boundary).utf8)
        let separator = Array("\r\n\r\n".utf8)
        var starts: [Int] = []
        var at = 0
        while let found = Self.find(delimiter, in: body, from: at) {
            starts.append(found)
            at = found + delimiter.count
        }
        guard starts.count >= 2 else { return nil }
        for (start, next) in zip(starts, starts.dropFirst()) {
            let partStart = start + delimiter.count + 2  // the CRLF after the delimiter
            let partEnd = next - 2  // the CRLF before the next one
            guard partStart <= partEnd, let split = Self.find(separator, in: body, from: partStart), split <= partEnd else { continue }
            let headers = String(decoding: body[partStart..<split], as: UTF8.self)
            let content = String(decoding: body[(split + separator.count)..<partEnd], as: UTF8.self)
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                let name = Self.parameter("name", in: disposition)
            else { continue }
            if Self.parameter("filename", in: disposition) != nil {
                files[name] = content
            } else {
                fields[name] = content
            }
        }
    }

    private static func parameter(_ key: String, in header: Substring) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard pair.hasPrefix(key + "=") else { continue }
            return String(pair.dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        let first = needle[0]
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
