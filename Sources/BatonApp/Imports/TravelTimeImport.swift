import BatonCore
import Foundation
import Postgres

/// The firm's travel-times table in from CSV (issue 24, item 1: "entered as a table"):
/// the minutes between two places, either direction, where the estimate from
/// coordinates is not good enough. Columns (any order; case, spaces, hyphens and
/// underscores ignored): `from account external id`, `from site`, `to account external
/// id`, `to site`, `minutes`. An empty account external id names one of the firm's own
/// places (an office, a home base); empty minutes removes the entry, so the estimate
/// applies again. All or nothing: every row is checked first, then each goes through
/// `SiteActions.setTravelTime`, as `PUT /travel-times` does. Admins and managers, who
/// keep the table.
struct TravelTimeImport {
    static let required = ["from site", "to site", "minutes"]
    static let optional = ["from account external id", "to account external id"]
    let services: AppServices

    func run(_ db: Connection, caller: Caller, text: String, dryRun: Bool) async throws -> ImportReport {
        guard SiteActions.keepsFirmPlaces(caller) else { throw APIError.forbidden("Only admins and managers keep the travel times.") }
        var file = try RowFile(text: text, required: Self.required, optional: Self.optional)
        var entered: [TravelTimes.PlacePair: Int] = [:]
        for t in try await SiteStore().travelTimes(db) { entered[.init(t.fromSiteId, t.toSiteId)] = t.minutes }
        var rows: [TravelTimeInput] = [], named: [TravelTimes.PlacePair: Int] = [:]
        for record in file.table.records {
            let line = record.line, before = file.errors.count
            let from = try await site(db, caller: caller, record, "from", into: &file)
            let to = try await site(db, caller: caller, record, "to", into: &file)
            let text = file.cell(record, "minutes")
            let minutes = text.isEmpty ? nil : Int(text)
            file.check(text.isEmpty || minutes.map { (0...1440).contains($0) } == true, line, "minutes",
                       "Minutes must be a whole number from 0 to 1440, or empty to remove the entry")
            guard file.errors.count == before, let from, let to else { continue }
            file.check(from != to, line, "to site", "A travel time joins two different sites")
            let pair = TravelTimes.PlacePair(from, to)
            if let first = named[pair] { file.error(line, "to site", "Line \(first) already gives the time between these two places") }
            named[pair] = named[pair] ?? line
            rows.append(TravelTimeInput(fromSiteId: from, toSiteId: to, minutes: minutes))
        }
        guard file.errors.isEmpty else {
            let report = file.report(kind: "travel-times", dryRun: dryRun)
            if dryRun { return report }
            throw ImportRefused(report: report)
        }
        let changing = rows.filter { entered[.init($0.fromSiteId, $0.toSiteId)] != $0.minutes }
        if !dryRun {
            for row in changing { _ = try await SiteActions(services: services).setTravelTime(db, caller: caller, input: row) }
        }
        let created = changing.count { entered[.init($0.fromSiteId, $0.toSiteId)] == nil }
        return file.report(kind: "travel-times", dryRun: dryRun, created: created, updated: changing.count - created,
                           unchanged: rows.count - changing.count)
    }

    /// The site a row names at one end (`side` "from" or "to"), or nil with its problem added.
    private func site(_ db: Connection, caller: Caller, _ record: CSVRecord, _ side: String, into file: inout RowFile) async throws -> Int64? {
        let line = record.line
        let externalID = file.cell(record, "\(side) account external id"), name = file.cell(record, "\(side) site")
        var account: Int64?
        if !externalID.isEmpty {
            account = try await RowImportStore().account(db, caller: caller, externalID: externalID)
            guard account != nil else {
                file.error(line, "\(side) account external id", "No account you can see has the external id \(externalID)")
                return nil
            }
        }
        guard !name.isEmpty else {
            file.error(line, "\(side) site", "The site's name is empty")
            return nil
        }
        let found = try await RowImportStore().sites(db, accountID: account, name: name)
        let whose = externalID.isEmpty ? "The firm has" : "The account \(externalID) has"
        file.check(found.count == 1, line, "\(side) site", found.isEmpty ? "\(whose) no site named \(name); import the sites first"
                                                                          : "\(whose) \(found.count) sites named \(name); rename all but one")
        return found.count == 1 ? found.first?.id : nil
    }
}
