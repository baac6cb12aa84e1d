import BatonCore
import Dates
import Foundation
import Postgres

/// A project's header as its manager changes it: the name, who runs it, and the day
/// it starts (the plan moves with its first phase). Every field is optional, so a
/// change names only what it changes: the page's form and `PATCH /projects/{id}` alike.
struct ProjectDetailsInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case name, projectManagerId, start }
    var name: String?
    var projectManagerId: Int64?
    var start: CalendarDate?
}

extension DeliveryActions {
    /// Changes the fields in `keys` of a project's header, at the version the caller
    /// read (412 otherwise), by whoever runs the project (403). A new manager must be an
    /// active project manager. A new start moves the first phase there and the later
    /// phases with it (`movePhase`), so the plan keeps its shape.
    func changeDetails(
        _ db: Connection, caller: Caller, projectID: Int64, expected: Int?, input: ProjectDetailsInput, keys: Set<String>
    ) async throws -> ProjectRecord {
        let project = try await managed(db, caller: caller, projectID: projectID)
        // Two saves of one header are judged one at a time, against the version as locked.
        let version = try await delivery.lockedVersion(db, projectID: project.id)
        try ETag.requireCurrent(expected, version)
        var v = Validator()
        var name = project.name, manager = project.projectManagerId
        if keys.contains("name") {
            name = (input.name ?? "").trimmed
            v.check(!name.isEmpty && name.count <= 200, "name", "Name must be 1 to 200 characters")
        }
        if keys.contains("projectManagerId") {
            manager = input.projectManagerId
            if let id = manager {
                let runsProjects = try await delivery.isActiveProjectManager(db, userID: id)
                v.check(runsProjects, "projectManagerId", "The project manager must be an active person with the project manager role")
            } else {
                v.add("projectManagerId", "A project needs its project manager")
            }
        }
        let firstPhase = try await delivery.phaseStates(db, projectID: project.id).first
        if keys.contains("start"), input.start == nil { v.add("start", "Start must be a date") }
        if keys.contains("start"), input.start != nil, firstPhase == nil {
            v.add("start", "A project without phases has no plan to move")
        }
        try v.throwIfInvalid()
        if name != project.name || manager != project.projectManagerId {
            try await delivery.setDetails(db, before: project, name: name, projectManagerID: manager, by: caller.id)
        }
        if keys.contains("start"), let start = input.start, let first = firstPhase, start != first.start {
            return try await movePhase(db, caller: caller, projectID: project.id, phaseID: first.id, start: start, shiftFollowing: true)
        }
        return try await services.projects.findAny(db, id: project.id)
    }
}

/// The project page's header saves through `changeDetails` as every edit-in-place form does.
extension DeliveryActions: ChangesInPlace {
    func change(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: ProjectDetailsInput, keys: Set<String>) async throws -> ProjectRecord {
        try await changeDetails(db, caller: caller, projectID: id, expected: expected, input: input, keys: keys)
    }
}

extension DeliveryStore {
    /// The project's version, its row locked until the transaction ends.
    func lockedVersion(_ db: Connection, projectID: Int64) async throws -> Int {
        try await db.expectRow("SELECT version FROM projects WHERE id = \(projectID) FOR UPDATE").decode("version")
    }

    /// Whether someone may run projects: active, with the project manager role.
    func isActiveProjectManager(_ db: Connection, userID: Int64) async throws -> Bool {
        try await db.query("""
            SELECT EXISTS (SELECT 1 FROM users WHERE id = \(userID) AND active AND 'project_manager' = ANY(roles)) AS ok
            """).first?.decode("ok") ?? false
    }

    /// A new name or manager, with the project's version and its audit entry.
    func setDetails(_ db: Connection, before: ProjectRecord, name: String, projectManagerID: Int64?, by actorID: Int64) async throws {
        try await db.query("""
            UPDATE projects SET name = \(name), project_manager_id = \(projectManagerID), version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        try await AuditTrail.record(db, actorID: actorID, entity: "project", entityID: before.id, action: .update,
                                    before: ["name": .text(before.name), "projectManagerId": before.projectManagerId.map { .int($0) } ?? .null],
                                    after: ["name": .text(name), "projectManagerId": projectManagerID.map { .int($0) } ?? .null])
    }
}
