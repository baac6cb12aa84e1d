import BatonCore
import Foundation
import Postgres

/// A stage's fields as a writer sends them: every one optional, so that a change
/// names only what it changes.
struct StageInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case key, name, order, probability, forecastCategory, isWon, isLost, usualDays
    }
    var key, name: String?
    var order: Int?
    var probability: DecimalString?
    var forecastCategory: ForecastCategory?
    var isWon, isLost: Bool?
    var usualDays: Int?

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

/// Everything an admin can do to the pipeline's stages, whether through the API or
/// the admin stages page: each action checks who may, validates with `Stage`'s rules,
/// writes through the store (which keeps the audit trail) and throws typed errors.
struct StageActions {
    let services: AppServices
    var store: StageStore { services.stages }

    /// A new stage; its key is taken for good.
    func create(_ db: Connection, caller: Caller, input: StageInput) async throws -> StageRecord {
        try Scope.requireAdmin(caller)
        var v = Validator(required: [(input.key != nil, "key"), (input.name != nil, "name"), (input.order != nil, "order"),
                                     (input.probability != nil, "probability"), (input.forecastCategory != nil, "forecastCategory")]
            .map { ($0, $1, "\($1) is required") })
        let stage = Stage(
            key: input.key ?? "", name: input.name?.trimmed ?? "", order: input.order ?? 0,
            probability: input.probability?.value ?? 0, forecastCategory: input.forecastCategory ?? .pipeline,
            isWon: input.isWon ?? false, isLost: input.isLost ?? false, usualDays: input.usualDays ?? 30)
        if v.errors.isEmpty { stage.check(into: &v) }
        try v.throwIfInvalid()
        if try await store.find(db, key: stage.key) != nil {
            throw APIError.conflict("A stage with the key \(stage.key) already exists.", code: "already-exists")
        }
        return try await store.create(db, stage, by: caller.id)
    }

    /// Changes the fields in `keys`. The key never changes, and whether a stage wins or
    /// loses the deal cannot change while deals use it.
    func change(
        _ db: Connection, caller: Caller, key: String, expected: Int?, input: StageInput, keys: Set<String>
    ) async throws -> StageRecord {
        let before = try await writable(db, caller: caller, key: key, expected: expected)
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

    /// Deletes a stage no deal uses and no deal's history mentions.
    func delete(_ db: Connection, caller: Caller, key: String, expected: Int?) async throws {
        let stage = try await writable(db, caller: caller, key: key, expected: expected)
        let uses = try await store.isInUse(db, key: key)
        guard uses == 0 else {
            throw APIError.conflict("The stage \(stage.name) is in use by \(uses) opportunities or history entries; move them first.",
                                    code: "stage-in-use")
        }
        try await store.delete(db, stage, by: caller.id)
    }

    /// The stage locked for a change, by an admin (403), found (404), at the version
    /// the caller read (412).
    private func writable(_ db: Connection, caller: Caller, key: String, expected: Int?) async throws -> StageRecord {
        try Scope.requireAdmin(caller)
        guard let stage = try await store.find(db, key: key, forUpdate: true) else { throw APIError.notFound("pipeline stage") }
        try ETag.requireCurrent(expected, stage.version)
        return stage
    }
}
