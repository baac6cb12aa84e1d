import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// `/bonus-plans` and `/bonus-runs`: the project-manager bonus of BONUS.md. Each
/// handler decodes, calls `BonusActions`, and encodes; the rules are in the actions.
struct BonusRoutes {
    let services: AppServices
    var actions: BonusActions { BonusActions(services: services) }


    @Sendable func plans(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let plans = try await services.pool.withConnection { try await actions.plans($0, caller: caller) }
        return try APIResponse.json(Page(fetched: plans, limit: plans.count) { [String($0.id)] }).response
    }

    @Sendable func plan(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context) { try BonusActions.requireBonusReader($0) }
        return try Self.tagged(try await services.pool.withConnection { try await actions.plan($0, caller: caller, id: id) })
    }

    @Sendable func createPlan(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try BonusActions.requirePlanWriter(caller)
        let (input, _) = try await JSON.decode(BonusPlanInput.self, from: request)
        let plan = try await services.pool.withTransaction { try await actions.savePlan($0, caller: caller, id: nil, expected: nil, input: input) }
        return try APIResponse.json(plan, status: .created, headers: ETag.headers(plan.version)).response
    }

    @Sendable func changePlan(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context, role: BonusActions.requirePlanWriter)
        let expected = try ETag.expectedVersion(request)
        let (input, _) = try await JSON.decode(BonusPlanInput.self, from: request)
        return try Self.tagged(try await services.pool.withTransaction {
            try await actions.savePlan($0, caller: caller, id: id, expected: expected, input: input)
        })
    }

    @Sendable func runs(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let runs = try await services.pool.withConnection { try await actions.runs($0, caller: caller) }
        return try APIResponse.json(Page(fetched: runs, limit: runs.count) { [String($0.id)] }).response
    }

    @Sendable func computeRun(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try BonusActions.requireComputer(caller)
        let (input, _) = try await JSON.decode(BonusRunInput.self, from: request)
        let run = try await services.pool.withTransaction { try await actions.computeRun($0, caller: caller, input: input) }
        return try APIResponse.json(run, status: .created, headers: ETag.headers(run.version)).response
    }

    @Sendable func run(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context) { try BonusActions.requireBonusReader($0, "Bonus runs") }
        return try Self.tagged(try await services.pool.withConnection { try await actions.run($0, caller: caller, id: id) })
    }

    @Sendable func recompute(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context, role: BonusActions.requireComputer)
        return try Self.tagged(try await services.pool.withTransaction { try await actions.recompute($0, caller: caller, id: id) })
    }

    @Sendable func approve(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context, role: BonusActions.requireApproverRole)
        let closeEarly = try await Self.closeEarly(request)
        return try Self.tagged(try await services.pool.withTransaction {
            try await actions.approve($0, caller: caller, id: id, closeEarly: closeEarly)
        })
    }

    @Sendable func approveStatement(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context, role: BonusActions.requireApproverRole)
        let userID = try request.id(context, "userId")
        let closeEarly = try await Self.closeEarly(request)
        return try Self.tagged(try await services.pool.withTransaction {
            try await actions.approveStatement($0, caller: caller, runID: id, userID: userID, closeEarly: closeEarly)
        })
    }

    /// The caller and the plan's or run's id from the path. `role` is judged before the
    /// path is read, so a caller without it is answered 403 whatever the id.
    static func callerAndID(
        _ request: Request, _ context: BatonRequestContext, role: (Caller) throws -> Void = { _ in }
    ) throws -> (Caller, Int64) {
        let caller = try context.requireCaller()
        try role(caller)
        return (caller, try request.id(context))
    }

    /// A plan or a run, with its version as its ETag.
    static func tagged(_ record: some Versioned) throws -> Response {
        try APIResponse.json(record, headers: ETag.headers(record.version)).response
    }

    /// An approval's body, `{"closeEarly": true}`; an empty body approves a period that has ended.
    static func closeEarly(_ request: Request) async throws -> Bool {
        let body = try await JSON.body(of: request)
        if body.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) { return false }
        return try JSON.decode(BonusApprovalInput.self, from: body).0.closeEarly ?? false
    }

    @Sendable func members(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context) { try BonusActions.requireBonusReader($0) }
        let plan = try await services.pool.withConnection { try await actions.plan($0, caller: caller, id: id) }
        return try APIResponse.json(Page(fetched: plan.members, limit: plan.members.count) { [String($0.id)] }).response
    }

    @Sendable func addMember(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context, role: BonusActions.requirePlanWriter)
        let (input, _) = try await JSON.decode(BonusMemberInput.self, from: request)
        let member = try await services.pool.withTransaction { try await actions.addMember($0, caller: caller, planID: id, input: input) }
        return try APIResponse.json(member, status: .created).response
    }

    @Sendable func removeMember(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context, role: BonusActions.requirePlanWriter)
        let memberID = try request.id(context, "memberId")
        try await services.pool.withTransaction { try await actions.removeMember($0, caller: caller, planID: id, memberID: memberID) }
        return Response(status: .noContent)
    }

    @Sendable func statement(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context)
        let userID = try request.id(context, "userId")
        let statement = try await services.pool.withConnection { try await actions.statement($0, caller: caller, runID: id, userID: userID) }
        return try APIResponse.json(statement).response
    }

    @Sendable func statementsCSV(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context, role: BonusActions.requireExporter)
        let csv = try await services.pool.withConnection { try await actions.statementsCSV($0, caller: caller, runID: id) }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    @Sendable func addAdjustment(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndID(request, context, role: BonusActions.requireAdjuster)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(BonusAdjustmentInput.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let adjustment = try await actions.addAdjustment(db, caller: caller, runID: id, input: input)
                return try APIResponse.json(["id": adjustment], status: .created)
            }
        }.response
    }

    @Sendable func whatIf(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let (input, _) = try await JSON.decode(BonusWhatIfInput.self, from: request)
        let computation = try await services.pool.withConnection { try await actions.whatIf($0, caller: caller, input: input) }
        return try APIResponse.json(computation).response
    }
}
