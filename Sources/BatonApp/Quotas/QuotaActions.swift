import BatonCore
import Foundation
import Postgres

struct PeriodInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case key }
    var key: String
}

/// A quota as a writer sends it. Only the target changes after it is made.
struct QuotaInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case userId, periodKey, metric, target }
    var userId: Int64?
    var periodKey: String?
    var metric: QuotaMetric?
    var target: Money?
}

/// Everything a person can do to a quota, whoever asks (the API, the quotas page):
/// each action checks who may, validates, writes through `QuotaStore` (which keeps
/// the audit trail), and throws typed errors.
struct QuotaActions {
    let services: AppServices
    var store: QuotaStore { services.quotas }

    /// A period, named by its key (`2026-Q1`), made known to the firm.
    func addPeriod(_ db: Connection, caller: Caller, key: String) async throws -> FiscalPeriod {
        guard caller.isAdmin else { throw APIError.forbidden("Only an admin may do this.") }
        return try await store.period(db, key: key)
    }

    /// A new quota: a person's target on one metric for one period.
    func create(_ db: Connection, caller: Caller, input: QuotaInput) async throws -> QuotaRecord {
        var v = Validator()
        for (present, field) in [(input.userId != nil, "userId"), (input.periodKey != nil, "periodKey"),
                                 (input.metric != nil, "metric"), (input.target != nil, "target")] {
            v.check(present, field, "\(field) is required")
        }
        if let target = input.target { v.check(target.amount >= 0, "target", "Target cannot be negative") }
        try v.throwIfInvalid()
        guard let userID = input.userId, let periodKey = input.periodKey, let metric = input.metric, let target = input.target
        else { throw APIError.internalError }
        try await requireSetter(db, caller, userID: userID)
        _ = try await store.period(db, key: periodKey)
        return try await store.create(db, userID: userID, periodKey: periodKey, metric: metric, target: target.amount, by: caller.id)
    }

    /// A new target for a quota; the person, period and metric are fixed once made.
    func change(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: QuotaInput, keys: Set<String>) async throws -> QuotaRecord {
        let fixed = keys.subtracting(["target"]).sorted()
        if !fixed.isEmpty {
            throw APIError.validation(fixed.map { FieldError($0, "\($0) cannot change; delete this quota and create another") })
        }
        let before = try await writable(db, caller: caller, id: id, expected: expected)
        guard let target = input.target else { throw ValidationFailure("target", "target is required") }
        guard target.amount >= 0 else { throw ValidationFailure("target", "Target cannot be negative") }
        return try await store.update(db, before: before, target: target.amount, by: caller.id)
    }

    func delete(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws {
        let quota = try await writable(db, caller: caller, id: id, expected: expected)
        try await store.delete(db, quota, by: caller.id)
    }

    /// The quota locked for a change, by one who may set it (403, or 404 for a person
    /// out of sight), at the version the caller read (412).
    private func writable(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> QuotaRecord {
        guard let quota = try await store.find(db, id: id, forUpdate: true) else { throw APIError.notFound("quota") }
        try await requireSetter(db, caller, userID: quota.userId)
        try ETag.requireCurrent(expected, quota.version)
        return quota
    }

    /// Quotas are set by an admin or a manager above the person; anyone else who
    /// cannot see the person gets a 404.
    private func requireSetter(_ db: Connection, _ caller: Caller, userID: Int64) async throws {
        if caller.isAdmin { return }
        guard try await services.users.find(db, id: userID, visibleTo: caller) != nil else { throw APIError.notFound("person") }
        guard caller.id != userID, try await services.users.isManager(db, managerID: caller.id, of: userID) else {
            throw APIError.forbidden("Only an admin or a manager above the person sets their quota.")
        }
    }
}
