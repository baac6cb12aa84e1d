import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/pipeline-stages`: the stages opportunities move through, configured by admins.
struct StageRoutes {
    let services: AppServices
    var store: StageStore { services.stages }

    struct StageInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable {
            case key, name, order, probability, forecastCategory, isWon, isLost, usualDays
        }
        var key: String?
        var name: String?
        var order: Int?
        var probability: DecimalString?
        var forecastCategory: ForecastCategory?
        var isWon: Bool?
        var isLost: Bool?
        var usualDays: Int?
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("pipeline-stages") { _, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let stages = try await services.pool.withConnection { try await store.all($0) }
            return try APIResponse.json(Page(fetched: stages, limit: stages.count) { [$0.key] }).response
        }
        api.post("pipeline-stages") { request, context in
            let caller = try context.requireAdmin()
            let (input, _) = try await JSON.decode(StageInput.self, from: request)
            var v = Validator()
            for (present, field) in [(input.key != nil, "key"), (input.name != nil, "name"), (input.order != nil, "order"),
                                     (input.probability != nil, "probability"), (input.forecastCategory != nil, "forecastCategory")] {
                v.check(present, field, "\(field) is required")
            }
            let stage = Stage(
                key: input.key ?? "", name: input.name?.trimmed ?? "", order: input.order ?? 0,
                probability: input.probability?.value ?? 0, forecastCategory: input.forecastCategory ?? .pipeline,
                isWon: input.isWon ?? false, isLost: input.isLost ?? false, usualDays: input.usualDays ?? 30)
            if v.errors.isEmpty { stage.check(into: &v) }
            try v.throwIfInvalid()
            let created = try await services.pool.withTransaction { db in
                if try await store.find(db, key: stage.key) != nil {
                    throw APIError.conflict("A stage with the key \(stage.key) already exists.", code: "already-exists")
                }
                return try await store.create(db, stage, by: caller.id)
            }
            var headers = ETag.headers(created.version)
            headers[.location] = "/api/v1/pipeline-stages/\(created.key)"
            return try APIResponse.json(created, status: .created, headers: headers).response
        }
        api.patch("pipeline-stages/:key") { request, context in
            let caller = try context.requireAdmin()
            let key = context.parameters.get("key") ?? ""
            let expected = try ETag.expectedVersion(request)
            let (input, keys) = try await JSON.decode(StageInput.self, from: request)
            let updated = try await services.pool.withTransaction { db in
                guard let before = try await store.find(db, key: key, forUpdate: true) else { throw APIError.notFound("pipeline stage") }
                if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
                var v = Validator()
                v.check(!keys.contains("key") || input.key == before.key, "key", "A stage's key cannot change; add a new stage instead")
                var s = before.stage
                if let name = input.name { s.name = name.trimmed }
                if let order = input.order { s.order = order }
                if let p = input.probability { s.probability = p.value }
                if let c = input.forecastCategory { s.forecastCategory = c }
                if let w = input.isWon { s.isWon = w }
                if let l = input.isLost { s.isLost = l }
                if let d = input.usualDays { s.usualDays = d }
                for field in keys where field != "key" && (input.value(of: field) == nil) {
                    v.add(field, "\(field) must not be null")
                }
                s.check(into: &v)
                if (s.isWon != before.isWon || s.isLost != before.isLost), try await store.isInUse(db, key: key) > 0 {
                    v.add("isWon", "Whether a stage is won or lost cannot change while opportunities use it")
                }
                try v.throwIfInvalid()
                return try await store.update(db, before: before, to: s, by: caller.id)
            }
            return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
        }
        api.delete("pipeline-stages/:key") { request, context in
            let caller = try context.requireAdmin()
            let key = context.parameters.get("key") ?? ""
            let expected = try ETag.expectedVersion(request)
            try await services.pool.withTransaction { db in
                guard let stage = try await store.find(db, key: key, forUpdate: true) else { throw APIError.notFound("pipeline stage") }
                if let expected, expected != stage.version { throw APIError.preconditionFailed(current: stage.version) }
                let uses = try await store.isInUse(db, key: key)
                guard uses == 0 else {
                    throw APIError.conflict("The stage \(stage.name) is in use by \(uses) opportunities or history entries; move them first.",
                                            code: "stage-in-use")
                }
                try await store.delete(db, stage, by: caller.id)
            }
            return Response(status: .noContent)
        }
    }
}

extension StageRoutes.StageInput {
    /// Whether the named field was given a value (for "must not be null").
    func value(of field: String) -> Any? {
        switch field {
        case "name": name
        case "order": order
        case "probability": probability
        case "forecastCategory": forecastCategory
        case "isWon": isWon
        case "isLost": isLost
        case "usualDays": usualDays
        default: key
        }
    }
}
