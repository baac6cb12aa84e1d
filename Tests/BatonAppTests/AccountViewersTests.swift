@testable import BatonApp
import Foundation
import Postgres
import Testing

/// account_viewers (sql/0046) answers "who sees which account" for the policies and the
/// stores' scopes; it is kept by triggers (sql/functions/visibility.sql). It must equal
/// the rule, written out here from the reporting line as the policies used to ask it,
/// for every person after every kind of change the rule reads.
@Suite struct AccountViewersTests {
    /// The rule for every person: the accounts owned by, on a deal team (with deals) of,
    /// or with a project managed by the person or anyone below them.
    static let rule = """
        SELECT u.id AS viewer_id, r.account_id FROM users u, LATERAL (
            WITH RECURSIVE line(id) AS (SELECT u.id UNION SELECT x.id FROM users x JOIN line ON x.manager_id = line.id)
            SELECT a.id AS account_id FROM accounts a WHERE a.owner_id IN (SELECT id FROM line)
            UNION SELECT m.account_id FROM account_team_members m WHERE m.user_id IN (SELECT id FROM line) AND m.opportunities > 0
            UNION SELECT p.account_id FROM projects p WHERE p.project_manager_id IN (SELECT id FROM line)) r
        """

    /// The pairs the table and the rule disagree on (none when exact), and a digest of the
    /// table, to tell that a step changed something.
    static func compare(_ app: TestApp) async throws -> (differing: [String], digest: String) {
        let differing = try await app.sql(Query(unsafeSQL: """
            WITH rule AS (\(rule))
            SELECT d.side || ' ' || d.viewer_id || ' sees ' || d.account_id AS pair FROM (
                (SELECT 'rule only', * FROM rule EXCEPT SELECT 'rule only', viewer_id, account_id FROM account_viewers)
                UNION ALL
                (SELECT 'table only', viewer_id, account_id FROM account_viewers EXCEPT SELECT 'table only', * FROM rule)
            ) d(side, viewer_id, account_id) ORDER BY 1 LIMIT 10
            """)).map { try $0.decode("pair", as: String.self) }
        let digest = try await app.sql("""
            SELECT coalesce(md5(string_agg(viewer_id || ':' || account_id, ',' ORDER BY viewer_id, account_id)), '') AS digest
            FROM account_viewers
            """).first?.decode("digest", as: String.self) ?? ""
        return (differing, digest)
    }

    @Test func theTableEqualsTheRuleForEveryoneAfterEveryKindOfChange() async throws {
        try await TestApp.run(business: true) { app in
            let start = try await Self.compare(app)
            #expect(start.differing.isEmpty, "after the demo firm's load: \(start.differing)")
            #expect(!start.digest.isEmpty, "the demo firm's people see accounts")

            let someAccountManager = "(SELECT id FROM users WHERE 'account_manager' = ANY (roles) ORDER BY id LIMIT 1)"
            let lastAccountManager = "(SELECT id FROM users WHERE 'account_manager' = ANY (roles) ORDER BY id DESC LIMIT 1)"
            let aConsultant = "(SELECT id FROM users WHERE roles = ARRAY['consultant'] ORDER BY id LIMIT 1)"
            let aManager = "(SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM users r WHERE r.manager_id = u.id) AND u.manager_id IS NOT NULL ORDER BY id LIMIT 1)"
            // (what it does, the SQL, whether the table must change)
            let steps: [(String, String, Bool)] = [
                ("an account's owner changes",
                 "UPDATE accounts SET owner_id = \(lastAccountManager) WHERE id = (SELECT min(id) FROM accounts WHERE owner_id IS DISTINCT FROM \(lastAccountManager))", true),
                ("two accounts swap owners in one statement",
                 """
                 UPDATE accounts a SET owner_id = b.owner_id FROM accounts b
                 WHERE (a.id, b.id) IN (((SELECT min(id) FROM accounts), (SELECT max(id) FROM accounts)), ((SELECT max(id) FROM accounts), (SELECT min(id) FROM accounts)))
                 """, true),
                ("an account loses its owner", "UPDATE accounts SET owner_id = NULL WHERE id = (SELECT max(id) FROM accounts)", true),
                ("a consultant joins a deal's team",
                 "INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent) SELECT min(id), \(aConsultant), 'other', 0 FROM opportunities", true),
                ("a deal team's count grows without a new member",
                 """
                 INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
                 SELECT o.id, \(aConsultant), 'other', 0 FROM opportunities o
                 WHERE o.account_id = (SELECT account_id FROM opportunities WHERE id = (SELECT min(id) FROM opportunities))
                   AND o.id <> (SELECT min(id) FROM opportunities) ORDER BY o.id LIMIT 1
                 """, false),
                ("the consultant leaves every team",
                 "DELETE FROM opportunity_team WHERE user_id = \(aConsultant)", true),
                ("a deal moves to another account",
                 "UPDATE opportunities SET account_id = (SELECT max(id) FROM accounts) WHERE id = (SELECT max(id) FROM opportunities WHERE account_id <> (SELECT max(id) FROM accounts))", true),
                ("a project gets another manager",
                 "UPDATE projects SET project_manager_id = \(aConsultant) WHERE id = (SELECT min(id) FROM projects)", true),
                ("the consultant's project loses its manager (the consultant's only way to its account)",
                 "UPDATE projects SET project_manager_id = NULL WHERE id = (SELECT min(id) FROM projects)", true),
                ("an account manager reports to another manager",
                 """
                 UPDATE users SET manager_id = (SELECT id FROM users WHERE 'manager' = ANY (roles) AND id <> coalesce((SELECT manager_id FROM users WHERE id = \(someAccountManager)), 0) ORDER BY id DESC LIMIT 1)
                 WHERE id = \(someAccountManager)
                 """, true),
                ("a reorganisation in one statement: a manager moves under someone outside their line, one of their reports to the top",
                 """
                 WITH m AS (SELECT \(aManager) AS id),
                      r AS (SELECT min(x.id) AS id FROM users x, m WHERE x.manager_id = m.id),
                      l AS (SELECT max(x.id) AS id FROM users x, m WHERE x.id NOT IN (SELECT user_id FROM reporting_line(m.id))
                              AND NOT EXISTS (SELECT 1 FROM users y WHERE y.manager_id = x.id))
                 UPDATE users u SET manager_id = CASE WHEN u.id = (SELECT id FROM m) THEN (SELECT id FROM l) ELSE NULL END
                 WHERE u.id IN ((SELECT id FROM m), (SELECT id FROM r))
                 """, true),
                ("someone joins the firm",
                 """
                 INSERT INTO users (email, name, roles, manager_id, calendar_token)
                 VALUES ('new.viewer@demo.test', 'New Viewer', ARRAY['account_manager'], \(lastAccountManager), 'account-viewers-test')
                 """, false),
                ("the newcomer takes over an account",
                 "UPDATE accounts SET owner_id = (SELECT id FROM users WHERE email = 'new.viewer@demo.test') WHERE id = (SELECT min(id) + 1 FROM accounts)", true),
                ("the newcomer is deactivated",
                 "UPDATE users SET active = false WHERE email = 'new.viewer@demo.test'", false),
                ("a new account with its owner", """
                 INSERT INTO accounts (name, owner_id) VALUES ('Viewers Test Account', \(aConsultant))
                 """, true),
            ]
            var digest = start.digest
            for (change, sql, changes) in steps {
                try await app.sql(Query(unsafeSQL: sql))
                let now = try await Self.compare(app)
                #expect(now.differing.isEmpty, "after \(change): \(now.differing)")
                #expect((now.digest != digest) == changes, "\(change) \(changes ? "changes" : "keeps") who sees what")
                digest = now.digest
            }
        }
    }
}
