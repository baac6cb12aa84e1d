import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// `/bonus-plans` and `/bonus-runs`: the project-manager bonus of BONUS.md.
struct BonusRoutes {
    let services: AppServices
    var store: BonusStore { services.bonus }

    struct PlanInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable {
            case name, method, periodType, targetBonus, threshold, tiers, cap, lateCreditPercent, overrides, activeFrom, activeTo
        }
        static var nested: [String: any StrictDecodable.Type] { ["tiers": TierInput.self, "overrides": BonusPlanRecord.Override.self] }
        var name: String?
        var method: BonusMethod?
        var periodType: String?
        var targetBonus: Money?
        var threshold: DecimalString?
        var tiers: [BonusTier]?
        var cap: DecimalString?
        var lateCreditPercent: DecimalString?
        var overrides: [BonusPlanRecord.Override]?
        var activeFrom: CalendarDate?
        var activeTo: CalendarDate?
    }

    struct TierInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case from, to, rate }
    }

    struct RunInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case planId, period }
        var planId: Int64
        var period: String
    }

    struct AdjustmentInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case userId, amount, reason }
        var userId: Int64
        var amount: Money
        var reason: String
    }

    struct WhatIfInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case planId, period, userId, completions }
        static var nested: [String: any StrictDecodable.Type] { ["completions": Completion.self] }
        var planId: Int64
        var period: String
        var userId: Int64
        var completions: [Completion]
    }

    struct Completion: Codable, Sendable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case phaseId, completedOn }
        var phaseId: Int64
        var completedOn: CalendarDate
    }

    /// A person's own target is pay: a plan shows each reader only the overrides of
    /// people in their reporting line (themselves included); admins see all of them.
    private func withOverridesVisible(_ db: Connection, to caller: Caller, _ plans: [BonusPlanRecord]) async throws -> [BonusPlanRecord] {
        if caller.isAdmin { return plans }
        let line = Set(try await db.query("SELECT user_id FROM reporting_line(\(caller.id))").map { try $0.decode("user_id", as: Int64.self) })
        return plans.map { plan in
            var plan = plan
            plan.overrides = plan.overrides.filter { line.contains($0.userId) }
            return plan
        }
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("bonus-plans") { _, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) else {
                throw APIError.forbidden("Bonus plans are for admins, managers and project managers.")
            }
            let plans = try await services.pool.withConnection { db in
                try await withOverridesVisible(db, to: caller, try await store.plans(db))
            }
            return try APIResponse.json(Page(fetched: plans, limit: plans.count) { [String($0.id)] }).response
        }
        api.get("bonus-plans/:id") { request, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) else {
                throw APIError.forbidden("Bonus plans are for admins, managers and project managers.")
            }
            let id = try request.id(context)
            guard let plan = try await services.pool.withConnection({ db -> BonusPlanRecord? in
                guard let plan = try await store.plan(db, id: id) else { return nil }
                return try await withOverridesVisible(db, to: caller, [plan]).first
            }) else { throw APIError.notFound("bonus plan") }
            return try APIResponse.json(plan, headers: ETag.headers(plan.version)).response
        }
        api.post("bonus-plans") { request, context in try await savePlan(request, context, id: nil).response }
        api.patch("bonus-plans/:id") { request, context in try await savePlan(request, context, id: try request.id(context)).response }

        api.get("bonus-runs") { _, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) else {
                throw APIError.forbidden("Bonus runs are for admins, managers and project managers.")
            }
            let runs = try await services.pool.withConnection { try await store.runs($0) }
            return try APIResponse.json(Page(fetched: runs, limit: runs.count) { [String($0.id)] }).response
        }
        api.post("bonus-runs") { request, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only managers and admins compute bonus runs.") }
            let (input, _) = try await JSON.decode(RunInput.self, from: request)
            let run = try await services.pool.withTransaction { db in
                guard let plan = try await store.plan(db, id: input.planId) else { throw ValidationFailure("planId", "Plan must be an existing bonus plan") }
                let period = try await services.quotas.period(db, key: input.period)
                if let existing = try await store.runID(db, planID: plan.id, periodKey: period.key) {
                    throw APIError.conflict("This plan already has run \(existing) for \(period.key); recompute it (while a draft) instead.",
                                            code: "run-exists")
                }
                // Every project manager on the plan, whoever computes it.
                let id = try await db.withoutRowSecurity { try await store.computeRun(db, runID: nil, plan: plan, period: period, by: caller.id) }
                guard let run = try await store.run(db, id: id) else { throw APIError.internalError }
                return run
            }
            return try APIResponse.json(run, status: .created, headers: ETag.headers(run.version)).response
        }
        api.get("bonus-runs/:id") { request, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) else {
                throw APIError.forbidden("Bonus runs are for admins, managers and project managers.")
            }
            let id = try request.id(context)
            guard let run = try await services.pool.withConnection({ try await store.run($0, id: id) }) else { throw APIError.notFound("bonus run") }
            return try APIResponse.json(run, headers: ETag.headers(run.version)).response
        }
        api.post("bonus-runs/:id/recompute") { request, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only managers and admins compute bonus runs.") }
            let id = try request.id(context)
            let run = try await services.pool.withTransaction { db in
                // The whole run, every project manager on the plan, whoever recomputes it.
                try await db.withoutRowSecurity {
                    guard let run = try await store.run(db, id: id, forUpdate: true) else { throw APIError.notFound("bonus run") }
                    guard run.status == "draft" else {
                        throw APIError.conflict("Run \(id) is approved and locked; corrections go into a later run as adjustments.", code: "run-locked")
                    }
                    guard let plan = try await store.plan(db, id: run.planId) else { throw APIError.internalError }
                    let period = try await services.quotas.period(db, key: run.period)
                    _ = try await store.computeRun(db, runID: id, plan: plan, period: period, by: caller.id)
                }
                guard let run = try await store.run(db, id: id) else { throw APIError.internalError }
                return run
            }
            return try APIResponse.json(run, headers: ETag.headers(run.version)).response
        }
        api.post("bonus-runs/:id/approve") { request, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only a manager or an admin approves bonus runs.") }
            let id = try request.id(context)
            let run = try await services.pool.withTransaction { db in
                // The approver must stand above every statement in the run, so the check reads them all.
                try await db.withoutRowSecurity {
                    guard let run = try await store.run(db, id: id, forUpdate: true) else { throw APIError.notFound("bonus run") }
                    guard run.status == "draft" else { throw APIError.conflict("Run \(id) is already approved and locked.", code: "run-locked") }
                    try await requireApprover(db, caller, run: run)
                    guard let plan = try await store.plan(db, id: run.planId) else { throw APIError.internalError }
                    let period = try await services.quotas.period(db, key: run.period)
                    guard try await store.approve(db, run: run, plan: plan, period: period, by: caller.id) else {
                        throw APIError.conflict("Run \(id) is already approved and locked.", code: "run-locked")
                    }
                }
                guard let run = try await store.run(db, id: id) else { throw APIError.internalError }
                return run
            }
            return try APIResponse.json(run, headers: ETag.headers(run.version)).response
        }
        api.get("bonus-runs/:id/statements/:userId") { request, context in
            let caller = try context.requireCaller()
            let id = try request.id(context)
            let userID = try request.id(context, "userId")
            let statement = try await services.pool.withConnection { db -> StatementRecord in
                guard try await canSee(db, caller, userID: userID), let s = try await store.statement(db, runID: id, userID: userID) else {
                    throw APIError.notFound("statement")
                }
                return s
            }
            return try APIResponse.json(statement).response
        }
        api.get("bonus-runs/:id/statements.csv") { request, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only managers and admins export bonus runs.") }
            let id = try request.id(context)
            let csv = try await services.pool.withConnection { db -> String in
                guard let run = try await store.run(db, id: id) else { throw APIError.notFound("bonus run") }
                var rows: [[String]] = []
                for summary in run.statements where try await canSee(db, caller, userID: summary.userId) {
                    guard let s = try await store.statement(db, runID: id, userID: summary.userId) else { continue }
                    let c = s.computation
                    for line in c.lines {
                        rows.append([s.name, run.period, "phase", line.project, line.phase, line.value.description, line.due.description,
                                     line.completedOn.description, line.onTime ? "on time" : "late", line.credit.description])
                    }
                    for tier in c.tiers {
                        rows.append([s.name, run.period, "tier", "", "\(tier.from)–\(tier.to?.description ?? "")", "", "", "",
                                     "rate \(tier.rate)", tier.amount.description])
                    }
                    for a in c.adjustments {
                        rows.append([s.name, run.period, "adjustment", "", a.reason, "", "", "", a.author ?? "", a.amount.description])
                    }
                    rows.append([s.name, run.period, "payout", "", "", "", "", "", c.capApplied ? "capped" : "", c.payout.description])
                }
                return CSV.write(header: ["person", "period", "line", "project", "item", "value", "due", "completedOn", "note", "amount"], rows: rows)
            }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        api.post("bonus-runs/:id/adjustments") { request, context in
            let caller = try context.requireCaller()
            guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only a manager or an admin adjusts bonus statements.") }
            let id = try request.id(context)
            let body = try await JSON.body(of: request)
            let (input, _) = try JSON.decode(AdjustmentInput.self, from: body)
            guard !input.reason.trimmed.isEmpty, input.reason.count <= 1000 else {
                throw ValidationFailure("reason", "Reason must be 1 to 1,000 characters: say why the amount changes")
            }
            return try await services.pool.withTransaction { db in
              try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                guard let run = try await store.run(db, id: id, forUpdate: true) else { throw APIError.notFound("bonus run") }
                guard run.statements.contains(where: { $0.userId == input.userId }) || caller.isAdmin else {
                    throw ValidationFailure("userId", "Person must have a statement in this run")
                }
                try await requireApprover(db, caller, run: BonusRunRecord(
                    id: run.id, version: run.version, planId: run.planId, period: run.period, status: run.status,
                    computedAt: run.computedAt, approvedAt: nil, approvedBy: nil, statements: run.statements.filter { $0.userId == input.userId }))
                let adjustment = try await store.addAdjustment(db, planID: run.planId, userID: input.userId, amount: input.amount.amount,
                                                               reason: input.reason.trimmed, by: caller.id)
                // A draft shows it at once; a locked run leaves it to the next one.
                if run.status == "draft" {
                    guard let plan = try await store.plan(db, id: run.planId) else { throw APIError.internalError }
                    _ = try await store.computeRun(db, runID: run.id, plan: plan, period: try await services.quotas.period(db, key: run.period), by: caller.id)
                }
                return try APIResponse.json(["id": adjustment], status: .created)
              }
            }.response
        }
        api.post("bonus-runs/what-if") { request, context in
            let caller = try context.requireCaller()
            let (input, _) = try await JSON.decode(WhatIfInput.self, from: request)
            let computation = try await services.pool.withConnection { db -> BonusComputation in
                guard try await canSee(db, caller, userID: input.userId) else { throw APIError.notFound("person") }
                guard let plan = try await store.plan(db, id: input.planId) else { throw ValidationFailure("planId", "Plan must be an existing bonus plan") }
                let period = try services.quotas.calendar.period(key: input.period, field: "period")
                let open = try await store.openPhases(db, userID: input.userId)
                var phases = try await store.completedPhases(db, userID: input.userId, period: period)
                var v = Validator()
                for (i, c) in input.completions.enumerated() {
                    guard var phase = open[c.phaseId] else {
                        v.add("completions[\(i)].phaseId", "Phase \(c.phaseId) is not an open phase of this person's projects")
                        continue
                    }
                    phase.completedOn = c.completedOn
                    if period.contains(c.completedOn) { phases.append(phase) }
                }
                try v.throwIfInvalid()
                return try await store.compute(db, plan: plan, period: period, userID: input.userId, phases: phases).computation
            }
            return try APIResponse.json(computation).response
        }
    }

    func savePlan(_ request: Request, _ context: BatonRequestContext, id: Int64?) async throws -> APIResponse {
        let caller = try context.requireAdmin()
        let expected = id == nil ? nil : try ETag.expectedVersion(request)
        let (input, _) = try await JSON.decode(PlanInput.self, from: request)
        return try await services.pool.withTransaction { db in
            var before: BonusPlanRecord?
            if let id { before = try await store.plan(db, id: id, forUpdate: true) }
            if id != nil, before == nil { throw APIError.notFound("bonus plan") }
            if let before, let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
            var v = Validator()
            let name = input.name?.trimmed ?? before?.name ?? ""
            v.check(!name.isEmpty && name.count <= 200, "name", "Name must be 1 to 200 characters")
            let periodType = input.periodType ?? before?.periodType ?? "quarter"
            v.check(["year", "quarter", "month"].contains(periodType), "periodType", "Period type must be year, quarter or month")
            v.check(input.tiers != nil || before != nil, "tiers", "Tiers are required")
            v.check(input.targetBonus != nil || before != nil, "targetBonus", "Target bonus is required")
            let rules = BonusPlanRules(
                method: input.method ?? before?.method ?? .marginal,
                targetBonus: input.targetBonus?.amount ?? before?.targetBonus.amount ?? 0,
                threshold: input.threshold?.value ?? before?.threshold.value ?? 0,
                tiers: input.tiers ?? before?.tiers ?? [], cap: input.cap?.value ?? before?.cap?.value,
                lateCreditPercent: input.lateCreditPercent?.value ?? before?.lateCreditPercent.value ?? 100)
            rules.check(into: &v)
            // Stored with these scales: more decimals would be rounded silently.
            v.check(rules.lateCreditPercent.significantScale <= 2, "lateCreditPercent", "Late credit must have at most two decimals")
            v.check(rules.threshold.significantScale <= 4, "threshold", "Threshold must have at most four decimals")
            if let cap = rules.cap { v.check(cap.significantScale <= 4, "cap", "Cap must have at most four decimals") }
            let overrides = input.overrides ?? before?.overrides ?? []
            for (i, o) in overrides.enumerated() {
                v.check(o.targetBonus.amount >= 0, "overrides[\(i)].targetBonus", "Target bonus must be zero or more")
            }
            try v.throwIfInvalid()
            let plan = try await store.savePlan(db, id: id, name: name, periodType: periodType, rules: rules, overrides: overrides,
                                                activeFrom: input.activeFrom ?? before?.activeFrom, activeTo: input.activeTo ?? before?.activeTo,
                                                by: caller.id)
            return try .json(plan, status: id == nil ? .created : .ok, headers: ETag.headers(plan.version))
        }
    }

    /// A statement is seen by its person, the managers above them, and admins.
    private func canSee(_ db: Connection, _ caller: Caller, userID: Int64) async throws -> Bool {
        if caller.isAdmin || caller.id == userID { return true }
        return try await services.users.isManager(db, managerID: caller.id, of: userID)
    }

    /// Approving needs an admin, or a manager above every person in the run.
    private func requireApprover(_ db: Connection, _ caller: Caller, run: BonusRunRecord) async throws {
        if caller.isAdmin { return }
        guard caller.has(.manager) else { throw APIError.forbidden("Only a manager or an admin approves bonus runs.") }
        for s in run.statements where try await !services.users.isManager(db, managerID: caller.id, of: s.userId) {
            throw APIError.forbidden("Only an admin or a manager above every person in the run may approve it.")
        }
    }
}
