import BatonCore
import Dates
import Foundation
import Postgres

/// A time-off request as a writer sends it.
struct TimeOffInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case userId, kind, start, end, hoursPerDay, note }
    /// Whose time off; the caller's own when left out. A manager above the person,
    /// or an admin, may ask on their behalf.
    var userId: Int64?
    var kind: TimeOffKind
    var start, end: CalendarDate
    var hoursPerDay: DecimalString?
    var note: String?
}

/// Time off, whoever asks (the API, the pages, the demo loader): people ask for
/// their own; their manager, anyone above, or an admin approves or declines; the
/// person or those who may decide cancel. Only approved time off removes working
/// hours (`WorkingCalendarStore`).
struct TimeOffActions {
    let services: AppServices
    var store: TimeOffStore { TimeOffStore() }

    func request(_ db: Connection, caller: Caller, input: TimeOffInput) async throws -> TimeOffRecord {
        let userID = input.userId ?? caller.id
        if userID != caller.id {
            guard try await services.users.find(db, id: userID, visibleTo: caller) != nil else { throw APIError.notFound("person") }
            guard try await services.users.isAbove(db, caller: caller, userID: userID) else {
                throw APIError.forbidden("People ask for their own time off; a manager above them or an admin may ask for them.")
            }
        }
        var v = Validator()
        for problem in TimeOffSpan.problems(start: input.start, end: input.end, hoursPerDay: input.hoursPerDay?.value) {
            v.add(problem.field, problem.message)
        }
        let note = input.note?.trimmed.nilIfEmpty
        v.check((note?.count ?? 0) <= 1000, "note", "The note must be at most 1000 characters")
        try v.throwIfInvalid()
        if let clash = try await store.standing(db, userID: userID, from: input.start, to: input.end).first {
            throw ValidationFailure("start", "Time off from \(clash.start) to \(clash.end) is already \(clash.status.rawValue) for these days")
        }
        return try await store.create(db, TimeOffFields(userID: userID, kind: input.kind, start: input.start, end: input.end,
                                                        hoursPerDay: input.hoursPerDay?.value, note: note), by: caller.id)
    }

    /// Approves (`approve`) or declines a pending request, at the version the caller read.
    func decide(_ db: Connection, caller: Caller, id: Int64, expected: Int?, approve: Bool) async throws -> TimeOffRecord {
        guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else { throw APIError.notFound("time off") }
        guard try await services.users.isAbove(db, caller: caller, userID: before.userId) else {
            throw APIError.forbidden("Only a manager above \(before.userName) or an admin may approve or decline their time off.")
        }
        try ETag.requireCurrent(expected, before.version)
        guard before.status == .pending else {
            throw APIError.conflict("This request is already \(before.status.rawValue); only a pending request is approved or declined.",
                                    code: "time-off-decided")
        }
        let decided = try await store.setStatus(db, before, to: approve ? .approved : .declined, by: caller.id)
        try await NotificationEvents.timeOffDecided(db, decided, by: caller.id)
        return decided
    }

    /// Withdraws a pending or approved request: its person, or anyone who may decide it.
    func cancel(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> TimeOffRecord {
        guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else { throw APIError.notFound("time off") }
        if before.userId != caller.id, !(try await services.users.isAbove(db, caller: caller, userID: before.userId)) {
            throw APIError.forbidden("Only \(before.userName), a manager above them or an admin may cancel their time off.")
        }
        try ETag.requireCurrent(expected, before.version)
        guard before.status == .pending || before.status == .approved else {
            throw APIError.conflict("This request is already \(before.status.rawValue).", code: "time-off-decided")
        }
        return try await store.setStatus(db, before, to: .cancelled, by: caller.id)
    }
}
