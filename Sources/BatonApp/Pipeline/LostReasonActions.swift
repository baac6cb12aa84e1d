import BatonCore
import Foundation
import Postgres

/// What an admin does to the firm's list of lost reasons: add one, retire one. A
/// retired reason is no longer offered; the deals lost for it keep its words.
struct LostReasonActions {
    let services: AppServices
    var store: LostReasonStore { LostReasonStore() }

    func create(_ db: Connection, caller: Caller, name: String) async throws -> LostReasonRecord {
        try Scope.requireAdmin(caller)
        let name = name.trimmed
        var v = Validator()
        v.check(!name.isEmpty, "name", "Name is required")
        v.check(name.count <= 200, "name", "Name must be at most 200 characters")
        v.check(name != LostReasonStore.other, "name", "Name must be a reason people can read")
        try v.throwIfInvalid()
        if try await store.exists(db, name: name) {
            throw APIError.conflict("The list already has the reason \(name).", code: "already-exists")
        }
        return try await store.create(db, name: name, by: caller.id)
    }

    func retire(_ db: Connection, caller: Caller, id: Int64) async throws {
        try Scope.requireAdmin(caller)
        try await store.retire(db, id: id, by: caller.id)
    }
}
