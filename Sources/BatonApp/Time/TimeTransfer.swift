import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// Time entries in and out as CSV, in the shape time trackers export:
/// `date, person email, project, phase, hours, note`. An internal entry has no
/// project and its kind (training, pre_sales, admin) in the phase column. An import
/// is all or nothing: every row goes through `TimeActions.record` in one transaction,
/// and any refused row refuses the file, each row's problem named by its line.
struct TimeTransfer {
    static let header = ["date", "person email", "project", "phase", "hours", "note"]
    let services: AppServices

    func export(_ db: Connection, caller: Caller, from: CalendarDate, to: CalendarDate) async throws -> String {
        let rows = try await db.query("""
            SELECT e.day, u.email, p.name AS project, coalesce(ph.name, e.internal_kind, '') AS phase, e.hours, coalesce(e.note, '') AS note
            FROM time_entries e JOIN users u ON u.id = e.user_id LEFT JOIN projects p ON p.id = e.project_id
            LEFT JOIN project_phases ph ON ph.id = e.phase_id
            WHERE e.day BETWEEN \(from) AND \(to) AND \(TimeStore.scope(caller))
            ORDER BY e.day, lower(u.email), e.id
            """).map { row -> [String] in
            let day: CalendarDate = try row.decode("day")
            let hours: Decimal = try row.decode("hours")
            let project: String? = try row.decode("project")
            return [day.description, try row.decode("email"), project ?? "", try row.decode("phase"), hours.plainText, try row.decode("note")]
        }
        return CSV.write(header: Self.header, rows: rows)
    }

    /// Records every row, or none; answers how many were recorded.
    func importFile(_ db: Connection, caller: Caller, text: String) async throws -> Int {
        let table: CSVTable
        do { table = try CSV.parse(text) } catch { throw ValidationFailure("file", error.message) }
        let columns = table.header.map { $0.lowercased() }
        guard columns == Self.header else {
            throw ValidationFailure("file", "The columns must be: \(Self.header.joined(separator: ", "))")
        }
        var v = Validator()
        var recorded = 0
        let actions = TimeActions(services: services)
        for record in table.records {
            let f = record.fields
            let field = "line \(record.line)"
            guard let day = CalendarDate(f[0].trimmed) else { v.add(field, "The date must be YYYY-MM-DD"); continue }
            guard let hours = Decimal(apiText: f[4].trimmed) else { v.add(field, "Hours must be a number, like 7.5"); continue }
            let person: Int64? = try await db.query("SELECT id FROM users WHERE lower(email) = lower(\(f[1].trimmed))").first?.decode("id")
            guard let person else { v.add(field, "No person has the email \(f[1].trimmed)"); continue }
            var input = TimeEntryInput(userId: person, day: day, hours: DecimalString(hours), note: f[5].trimmed.nilIfEmpty)
            if f[2].trimmed.isEmpty {
                input.internalKind = f[3].trimmed
            } else {
                let phase = f[3].trimmed
                let assignment: Int64? = try await db.query("""
                    SELECT a.id FROM assignments a JOIN projects p ON p.id = a.project_id LEFT JOIN project_phases ph ON ph.id = a.phase_id
                    WHERE a.user_id = \(person) AND lower(p.name) = lower(\(f[2].trimmed)) AND \(day) BETWEEN a.start_date AND a.end_date
                      AND (\(phase) = '' OR lower(ph.name) = lower(\(phase)))
                    ORDER BY a.id LIMIT 1
                    """).first?.decode("id")
                guard let assignment else {
                    v.add(field, "\(f[1].trimmed) has no assignment on \(f[2].trimmed)\(phase.isEmpty ? "" : ", \(phase)") on \(day)")
                    continue
                }
                input.assignmentId = assignment
            }
            do {
                _ = try await actions.record(db, caller: caller, input: input)
                recorded += 1
            } catch let failure as ValidationFailure {
                for error in failure.errors { v.add(field, error.message) }
            } catch let error as APIError {
                v.add(field, error.detail)
            }
        }
        try v.throwIfInvalid()
        return recorded
    }
}

extension TimeRoutes {
    /// `GET /time-entries/export?from=&to=`: the entries the caller sees, as CSV.
    @Sendable func exportEntries(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = QueryParameters(request)
        let to = try query.date("to") ?? Timestamp.now.calendarDate
        let from = try query.date("from") ?? to.adding(days: -30)
        guard from <= to, from.days(until: to) <= 3660 else { throw ValidationFailure("from", "The window runs forwards and at most ten years") }
        let text = try await services.pool.withTransaction { try await TimeTransfer(services: services).export($0, caller: caller, from: from, to: to) }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"time-entries.csv\""],
                        body: .init(byteBuffer: .init(string: text)))
    }

    /// `POST /time-entries/import` (text/csv): all or nothing.
    @Sendable func importEntries(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.body.collect(upTo: 16 << 20)
        guard let text = body.getString(at: body.readerIndex, length: body.readableBytes) else {
            throw ValidationFailure("file", "The file must be UTF-8 text")
        }
        let count = try await services.pool.withTransaction { try await TimeTransfer(services: services).importFile($0, caller: caller, text: text) }
        return try APIResponse.json(["imported": count]).response
    }
}
