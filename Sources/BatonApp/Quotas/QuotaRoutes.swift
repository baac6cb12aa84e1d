import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/periods` and `/quotas`.
struct QuotaRoutes {
    let services: AppServices
    var store: QuotaStore { services.quotas }

    struct PeriodInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case key }
        var key: String
    }

    struct QuotaInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case userId, periodKey, metric, target }
        var userId: Int64?
        var periodKey: String?
        var metric: QuotaMetric?
        var target: Money?
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("periods") { _, context in
            _ = try context.requireCaller()
            let periods = try await services.pool.withConnection { try await store.periods($0) }
            return try APIResponse.json(Page(fetched: periods, limit: periods.count) { [$0.key] }).response
        }
        api.post("periods") { request, context in
            _ = try context.requireAdmin()
            let (input, _) = try await JSON.decode(PeriodInput.self, from: request)
            let period = try await services.pool.withConnection { try await store.period($0, key: input.key) }
            return try APIResponse.json(period, status: .created).response
        }
        api.get("quotas") { request, context in
            let caller = try context.requireCaller()
            let q = QueryParameters(request)
            let periodKey = q.string("periodKey")
            let userID = try q.id("userId")
            let quotas = try await services.pool.withConnection { try await store.list($0, visibleTo: caller, periodKey: periodKey, userID: userID) }
            return try APIResponse.json(Page(fetched: quotas, limit: quotas.count) { [String($0.id)] }).response
        }
        api.post("quotas") { request, context in
            let caller = try context.requireCaller()
            let body = try await JSON.body(of: request)
            let (input, _) = try JSON.decode(QuotaInput.self, from: body)
            var v = Validator()
            for (present, field) in [(input.userId != nil, "userId"), (input.periodKey != nil, "periodKey"),
                                     (input.metric != nil, "metric"), (input.target != nil, "target")] {
                v.check(present, field, "\(field) is required")
            }
            if let target = input.target { v.check(target.amount >= 0, "target", "Target cannot be negative") }
            try v.throwIfInvalid()
            guard let userID = input.userId, let periodKey = input.periodKey, let metric = input.metric, let target = input.target
            else { throw APIError.internalError }
            return try await services.pool.withTransaction { db in
                try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                    try await requireSetter(db, caller, userID: userID)
                    _ = try await store.period(db, key: periodKey)
                    let created = try await store.create(db, userID: userID, periodKey: periodKey, metric: metric,
                                                         target: target.amount, by: caller.id)
                    return try .json(created, status: .created, headers: ETag.headers(created.version))
                }
            }.response
        }
        api.patch("quotas/:id") { request, context in
            let caller = try context.requireCaller()
            let id = try request.id(context)
            let expected = try ETag.expectedVersion(request)
            let (input, keys) = try await JSON.decode(QuotaInput.self, from: request)
            let fixed = keys.subtracting(["target"]).sorted()
            if !fixed.isEmpty {
                throw APIError.validation(fixed.map { FieldError($0, "\($0) cannot change; delete this quota and create another") })
            }
            let updated = try await services.pool.withTransaction { db in
                guard let before = try await store.find(db, id: id, forUpdate: true) else { throw APIError.notFound("quota") }
                try await requireSetter(db, caller, userID: before.userId)
                if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
                guard let target = input.target else { throw ValidationFailure("target", "target is required") }
                guard target.amount >= 0 else { throw ValidationFailure("target", "Target cannot be negative") }
                return try await store.update(db, before: before, target: target.amount, by: caller.id)
            }
            return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
        }
        api.delete("quotas/:id") { request, context in
            let caller = try context.requireCaller()
            let id = try request.id(context)
            let expected = try ETag.expectedVersion(request)
            try await services.pool.withTransaction { db in
                guard let quota = try await store.find(db, id: id, forUpdate: true) else { throw APIError.notFound("quota") }
                try await requireSetter(db, caller, userID: quota.userId)
                if let expected, expected != quota.version { throw APIError.preconditionFailed(current: quota.version) }
                try await store.delete(db, quota, by: caller.id)
            }
            return Response(status: .noContent)
        }
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
