import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/typical-projects`: the firm's catalog of services, managed by admins, read by
/// everyone who sells or delivers.
struct CatalogRoutes {
    let services: AppServices
    var store: CatalogStore { services.catalog }

    struct Input: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case name, description, pricing, typicalDurationDays, phases, checklist }
        static var nested: [String: any StrictDecodable.Type] {
            ["pricing": TypicalProjectRecord.Pricing.self, "phases": TypicalProjectRecord.Phase.self,
             "checklist": TypicalProjectRecord.ChecklistItem.self]
        }
        var name: String?
        var description: String?
        var pricing: TypicalProjectRecord.Pricing?
        var typicalDurationDays: Int?
        var phases: [TypicalProjectRecord.Phase]?
        var checklist: [TypicalProjectRecord.ChecklistItem]?
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("typical-projects") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let page = try PageRequest(request)
            let archived = try QueryParameters(request).bool("includeArchived") ?? false
            return try APIResponse.json(try await services.pool.withConnection { try await store.list($0, page: page, includeArchived: archived) }).response
        }
        api.get("typical-projects/:id") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            guard let t = try await services.pool.withConnection({ try await store.find($0, id: id) }) else {
                throw APIError.notFound("typical project")
            }
            return try APIResponse.json(t, headers: ETag.headers(t.version)).response
        }
        api.post("typical-projects") { request, context in
            let caller = try context.requireAdmin()
            let body = try await JSON.body(of: request)
            let (input, _) = try JSON.decode(Input.self, from: body)
            var v = Validator()
            v.check(input.name != nil, "name", "Name is required")
            v.check(input.pricing != nil, "pricing", "Pricing is required: {\"model\": \"fixed\", \"price\": \"24000.00\"} or {\"model\": \"hourly\", \"rate\": \"150.00\"}")
            v.check(input.phases != nil, "phases", "Phases are required")
            try v.throwIfInvalid()
            guard let name = input.name, let pricing = input.pricing, let phases = input.phases else { throw APIError.internalError }
            let fields = TypicalProjectFields(
                name: name.trimmed, description: input.description, pricing: pricing,
                typicalDurationDays: input.typicalDurationDays, phases: phases, checklist: input.checklist ?? [])
            fields.check(into: &v)
            try v.throwIfInvalid()
            return try await services.pool.withTransaction { db in
                try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                    let created = try await store.create(db, fields, by: caller.id)
                    var headers = ETag.headers(created.version)
                    headers[.location] = "/api/v1/typical-projects/\(created.id)"
                    return try .json(created, status: .created, headers: headers)
                }
            }.response
        }
        api.patch("typical-projects/:id") { request, context in
            let caller = try context.requireAdmin()
            let id = try request.id(context)
            let expected = try ETag.expectedVersion(request)
            let (input, keys) = try await JSON.decode(Input.self, from: request)
            let updated = try await services.pool.withTransaction { db in
                guard let before = try await store.find(db, id: id, forUpdate: true) else { throw APIError.notFound("typical project") }
                if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
                var f = TypicalProjectFields(
                    name: before.name, description: before.description, pricing: before.pricing,
                    typicalDurationDays: before.typicalDurationDays, phases: before.phases, checklist: before.checklist)
                var v = Validator()
                for key in keys {
                    switch key {
                    case "name": if let n = input.name { f.name = n.trimmed } else { v.add("name", "Name must not be null") }
                    case "description": f.description = input.description
                    case "pricing": if let p = input.pricing { f.pricing = p } else { v.add("pricing", "Pricing must not be null") }
                    case "typicalDurationDays": f.typicalDurationDays = input.typicalDurationDays
                    case "phases": if let p = input.phases { f.phases = p } else { v.add("phases", "Phases must not be null") }
                    case "checklist": f.checklist = input.checklist ?? []
                    default: break
                    }
                }
                f.check(into: &v)
                try v.throwIfInvalid()
                return try await store.update(db, before: before, to: f, by: caller.id)
            }
            return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
        }
    }
}
