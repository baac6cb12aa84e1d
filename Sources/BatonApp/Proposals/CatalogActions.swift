import BatonCore
import Foundation
import Postgres

/// A typical project's fields as a writer sends them: every one optional, so that
/// a change names only what it changes.
struct TypicalProjectInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case name, description, pricing, typicalDurationDays, phases, checklist, recurrence }
    static var nested: [String: any StrictDecodable.Type] {
        ["pricing": TypicalProjectRecord.Pricing.self, "phases": TypicalProjectRecord.Phase.self,
         "checklist": TypicalProjectRecord.ChecklistItem.self, "recurrence": Recurrence.self]
    }
    var name, description: String?
    var pricing: TypicalProjectRecord.Pricing?
    var typicalDurationDays: Int?
    var phases: [TypicalProjectRecord.Phase]?
    var checklist: [TypicalProjectRecord.ChecklistItem]?
    /// Set on an item sold by the period (monthly support): its price is per period.
    var recurrence: Recurrence?
}

/// Changes to the catalog of typical projects, whoever asks (the API, the admin
/// pages): admins only, validated by `TypicalProjectFields`, written with the audit
/// trail inside the caller's transaction.
struct CatalogActions {
    let services: AppServices
    var store: CatalogStore { services.catalog }

    func create(_ db: Connection, caller: Caller, input: TypicalProjectInput) async throws -> TypicalProjectRecord {
        try Scope.requireAdmin(caller)
        var v = Validator(required: [
            (input.name != nil, "name", "Name is required"),
            (input.pricing != nil, "pricing", "Pricing is required: {\"model\": \"fixed\", \"price\": \"24000.00\"} or {\"model\": \"hourly\", \"rate\": \"150.00\"}"),
            (input.phases != nil, "phases", "Phases are required"),
        ])
        try v.throwIfInvalid()
        guard let name = input.name, let pricing = input.pricing, let phases = input.phases else { throw APIError.internalError }
        let fields = TypicalProjectFields(
            name: name.trimmed, description: input.description, pricing: pricing,
            typicalDurationDays: input.typicalDurationDays, phases: phases, checklist: input.checklist ?? [],
            recurrence: input.recurrence)
        fields.check(into: &v)
        try v.throwIfInvalid()
        return try await store.create(db, fields, by: caller.id)
    }

    /// Changes the fields in `keys`, at the version the caller read.
    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: TypicalProjectInput, keys: Set<String>
    ) async throws -> TypicalProjectRecord {
        try Scope.requireAdmin(caller)
        guard let before = try await store.find(db, id: id, forUpdate: true) else { throw APIError.notFound("typical project") }
        try ETag.requireCurrent(expected, before.version)
        var f = TypicalProjectFields(
            name: before.name, description: before.description, pricing: before.pricing,
            typicalDurationDays: before.typicalDurationDays, phases: before.phases, checklist: before.checklist,
            recurrence: before.recurrence)
        var v = Validator()
        for key in keys {
            switch key {
            case "name": if let n = input.name { f.name = n.trimmed } else { v.add("name", "Name must not be null") }
            case "description": f.description = input.description
            case "pricing": if let p = input.pricing { f.pricing = p } else { v.add("pricing", "Pricing must not be null") }
            case "typicalDurationDays": f.typicalDurationDays = input.typicalDurationDays
            case "phases": if let p = input.phases { f.phases = p } else { v.add("phases", "Phases must not be null") }
            case "checklist": f.checklist = input.checklist ?? []
            case "recurrence": f.recurrence = input.recurrence
            default: break
            }
        }
        f.check(into: &v)
        try v.throwIfInvalid()
        return try await store.update(db, before: before, to: f, by: caller.id)
    }
}
