import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// Proposals: drafted by sales, reviewed by a project manager, sent, and accepted,
/// which is the order: the handoff then creates the project in the same transaction.
/// Each handler decodes, calls `ProposalActions` (where the rules are) or a store, and
/// encodes.
struct ProposalRoutes {
    let services: AppServices
    var store: ProposalStore { services.proposals }
    var actions: ProposalActions { ProposalActions(services: services) }

    static var today: CalendarDate { ProposalActions.today }

    /// Who sees a proposal or a project is its store's scope; the actions judge each change.
    var proposals: RecordEndpoints<ProposalRecord> {
        RecordEndpoints(services: services, noun: "proposal", collection: "/api/v1/proposals", reader: { _ in })
    }
    var projectRecords: RecordEndpoints<ProjectRecord> {
        RecordEndpoints(services: services, noun: "project", collection: "/api/v1/projects", reader: { _ in })
    }


    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let proposals = try await services.pool.withConnection { db in
            guard try await services.opportunities.find(db, id: id, visibleTo: caller) != nil else {
                throw APIError.notFound("opportunity")
            }
            return try await store.list(db, opportunityID: id, today: Self.today)
        }
        return try APIResponse.json(Page(fetched: proposals, limit: proposals.count) { [String($0.id)] }).response
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await proposals.show(request, context) { db, id, caller in try await store.find(db, id: id, visibleTo: caller, today: Self.today) }
    }

    @Sendable func projects(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await projectRecords.list(request, context, filter: { q in
            ProjectStore.Filter(projectManagerID: try q.id("pmId"), status: try ProjectStore.statusFilter(q.string("status")),
                                accountID: try q.id("accountId"))
        }, fetch: services.projects.list)
    }

    @Sendable func project(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await projectRecords.show(request, context, find: services.projects.find)
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireWriter(caller)
        let opportunityID = try request.id(context)
        let body = try await JSON.body(of: request)
        let (input, keys) = try JSON.decode(ProposalInput.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let created = try await actions.create(db, caller: caller, opportunityID: opportunityID, input: input, keys: keys)
                var headers = ETag.headers(created.version)
                headers[.location] = "/api/v1/proposals/\(created.id)"
                return try .json(created, status: .created, headers: headers)
            }
        }.response
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await proposals.change(request, context, ProposalInput.self, action: actions.change)
    }

    @Sendable func act(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        guard let action = ProposalAction(rawValue: context.parameters.get("action") ?? "") else {
            throw APIError.notFound("proposal action (submit, approve, return, send, accept or decline)")
        }
        let body = try await JSON.body(of: request)
        let input = body.isEmpty ? ProposalMoveInput() : try JSON.decode(ProposalMoveInput.self, from: body).0
        let today = Self.today
        return try await services.pool.withTransaction { db -> APIResponse in
            let (moved, handoff) = try await actions.perform(db, caller: caller, id: id, action: action, input: input)
            guard let (opportunity, project) = handoff else {
                return try .json(moved, headers: ETag.headers(moved.version))
            }
            struct Accepted: Encodable {
                var proposal: ProposalRecord
                var opportunity: OpportunityRecord
                var project: ProjectRecord
            }
            let accepted = try await store.findAny(db, id: moved.id, today: today)
            return try .json(Accepted(proposal: accepted, opportunity: opportunity, project: project))
        }.response
    }

    @Sendable func capacity(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let result = try await services.pool.withConnection { db in
            try await services.capacity.check(db, proposal: try await store.visible(db, id: id, to: caller, today: Self.today),
                                              today: Self.today)
        }
        return try APIResponse.json(result).response
    }
}
