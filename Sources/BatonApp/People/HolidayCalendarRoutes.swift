import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

struct HolidayImportInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case file }
    /// The file's text: an iCalendar (`BEGIN:VCALENDAR` …) or CSV of `date,name` lines.
    var file: String
}

/// `/holiday-calendars` and `/users/{id}/working-calendar`: the firm's holiday
/// calendars and each person's working week. The rules are `HolidayCalendarActions`'.
struct HolidayCalendarRoutes: RecordAPI {
    static let noun = "holiday calendar", collection = "holiday-calendars"
    let services: AppServices
    var store: HolidayCalendarStore { HolidayCalendarStore() }
    var actions: HolidayCalendarActions { HolidayCalendarActions(services: services) }

    func find(_ db: Connection, id: Int64, caller: Caller) async throws -> HolidayCalendarRecord? { try await store.find(db, id: id) }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let list = try await services.pool.withConnection { try await store.list($0) }
        return try APIResponse.json(Page(fetched: list, limit: list.count) { [String($0.id)] }).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, HolidayCalendarInput.self, allowed: Scope.requireAdmin, action: actions.create)
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, HolidayCalendarInput.self, action: actions.change)
    }

    @Sendable func delete(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.archive(request, context, action: actions.delete)
    }

    @Sendable func importFile(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireAdmin(caller)
        let id = try request.id(context)
        let (input, _) = try await JSON.decode(HolidayImportInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await actions.importHolidays(db, caller: caller, id: id, text: input.file)
        }
        return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
    }

    @Sendable func personCalendar(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let query = QueryParameters(request)
        let from = try query.date("from") ?? Timestamp.now.calendarDate
        let to = try query.date("to") ?? from.adding(days: 28)
        let record = try await services.pool.withConnection { db in
            try await actions.personCalendar(db, caller: caller, userID: id, from: from, to: to)
        }
        return try APIResponse.json(record, headers: ETag.headers(record.version)).response
    }

    @Sendable func setPersonCalendar(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(PersonCalendarInput.self, from: request)
        let today = Timestamp.now.calendarDate
        let record = try await services.pool.withTransaction { db in
            try await actions.setPersonCalendar(db, caller: caller, userID: id, expected: expected, input: input, keys: keys)
            return try await actions.personCalendar(db, caller: caller, userID: id, from: today, to: today.adding(days: 28))
        }
        return try APIResponse.json(record, headers: ETag.headers(record.version)).response
    }
}
