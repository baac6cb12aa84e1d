@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import Postgres
import Testing

/// Deals and activities brought in with their history from before Baton (what the
/// demo loader and a firm leaving another CRM do) go through their areas' actions:
/// only an admin may, each deal's own fields are checked and a refusal names the
/// deal, and what is written carries its stage steps, team and audit entries.
@Suite struct HistoryImportTests {
    @Test func onlyAnAdminBringsInValidDealsWithTheirHistoryTeamAndAuditEntries() async throws {
        try await TestApp.run { app in
            let services = try app.services(label: "history")
            let pool = services.pool
            defer { Task { await pool.shutdown() } }
            let token = try await app.signIn("admin@demo.test")
            func caller(_ email: String, _ roles: Set<Role>) async throws -> Caller {
                Caller(id: try await app.id(of: email, token: token), name: email, email: email, roles: roles, credential: .apiToken(id: 0))
            }
            let admin = try await caller("admin@demo.test", [.admin])
            let ana = try await caller("ana.torres@demo.test", [.accountManager])
            let dev = try await app.id(of: "dev.patel@demo.test", token: token)
            let anaToken = try await app.signIn("ana.torres@demo.test")
            let opened = try await app.request(.post, "/api/v1/accounts", token: anaToken, json: #"{"name": "Old CRM Client"}"#)
            let account = Int64(try #require(opened.object["id"] as? Int))
            let won = try #require(try await pool.withConnection { try await services.stages.find($0, key: "closed_won") }).stage
            let today = Timestamp.now.calendarDate
            func deal(amount: Decimal) -> HistoricDeal {
                HistoricDeal(
                    fields: OpportunityFields(
                        accountID: account, name: "Old CRM deal", kind: .newBusiness, stage: won, amount: amount,
                        closeDate: today.adding(days: -20), ownerID: ana.id,
                        team: [TeamMember(userId: ana.id, role: .owner, splitPercent: 70),
                               TeamMember(userId: dev, role: .salesPartner, splitPercent: 30)],
                        probabilityOverride: nil, categoryOverride: nil, nextStep: nil, source: "old crm",
                        closedOn: today.adding(days: -20), lostReason: nil, externalID: "old:\(amount)"),
                    createdOn: today.adding(days: -90),
                    steps: [.init(stageKey: "prospecting", on: today.adding(days: -90)), .init(stageKey: "closed_won", on: today.adding(days: -20))])
            }
            let actions = OpportunityActions(services: services)
            let refused = try await #require(throws: APIError.self) {
                try await pool.withTransaction { try await actions.recordHistory($0, caller: ana, deals: [deal(amount: 1000)]) }
            }
            #expect(refused.status == .forbidden)
            let invalid = try await #require(throws: ValidationFailure.self) {
                try await pool.withTransaction { try await actions.recordHistory($0, caller: admin, deals: [deal(amount: 1000), deal(amount: -5)]) }
            }
            #expect(invalid.errors == [FieldError("deals[1].amount", "Amount must be zero or more")])

            let made = try await pool.withTransaction { try await actions.recordHistory($0, caller: admin, deals: [deal(amount: 1234.5)]) }
            let id = try #require(made.first?.id)
            #expect(made.first?.wonOn == today.adding(days: -20))
            let steps = try await app.sql("SELECT from_stage, to_stage FROM opportunity_stage_history WHERE opportunity_id = \(id) ORDER BY changed_at")
            #expect(try steps.map { try $0.decode("to_stage", as: String.self) } == ["prospecting", "closed_won"])
            let team = try await app.sql("SELECT user_id FROM opportunity_team WHERE opportunity_id = \(id) ORDER BY split_percent DESC")
            #expect(try team.map { try $0.decode("user_id", as: Int64.self) } == [ana.id, dev])
            let audit = try await app.sql("""
                SELECT actor_id, action, changes->'amount'->>'new' AS amount FROM audit_log WHERE entity = 'opportunity' AND entity_id = \(id)
                """)
            #expect(audit.count == 1)
            #expect(try audit.first?.decode("actor_id", as: Int64.self) == admin.id)
            #expect(try audit.first?.decode("amount", as: String.self).hasPrefix("1234.5") == true, "the snapshot as a single create writes it")

            let activities = ActivityActions(services: services)
            let note = HistoricActivity(fields: ActivityFields(
                kind: .call, subject: "Called from the old CRM", body: nil, accountID: account, contactID: nil, opportunityID: id,
                projectID: nil, ownerID: ana.id, dueAt: nil, doneAt: Timestamp.now), createdAt: Timestamp.now)
            let notAdmin = try await #require(throws: APIError.self) {
                try await pool.withTransaction { try await activities.recordHistory($0, caller: ana, activities: [note]) }
            }
            #expect(notAdmin.status == .forbidden)
            var blank = note
            blank.fields.subject = " "
            let noSubject = try await #require(throws: ValidationFailure.self) {
                try await pool.withTransaction { try await activities.recordHistory($0, caller: admin, activities: [note, blank]) }
            }
            #expect(noSubject.errors.map(\.field) == ["activities[1].subject"])
            let logged = try await pool.withTransaction { try await activities.recordHistory($0, caller: admin, activities: [note]) }
            let activityID = try #require(logged.first?.id)
            #expect(try await app.sql("SELECT count(*) AS n FROM audit_log WHERE entity = 'activity' AND entity_id = \(activityID)")
                .first?.decode("n", as: Int.self) == 1)
        }
    }
}
