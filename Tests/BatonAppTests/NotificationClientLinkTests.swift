import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// The client's own acceptance (issue 20, item 4): a link for a sent proposal, the
/// printable proposal behind it, accept with name, title and consent (evidence kept,
/// the same handoff as sales'), decline with a reason; an expired, revoked or used
/// link accepts nothing; 20 acceptances at once through link and API make one project.
@Suite struct NotificationClientLinkTests {
    let proposals = ProposalTests()

    /// A sent proposal by Dev, reviewed by Grace, valid until `validUntil`; returns its id.
    func sent(_ app: TestApp, admin: String, dev: String, validUntil: String = "2099-12-31") async throws -> Int {
        let opportunityID = try await proposals.opportunity(app, admin)
        let p = try await proposals.post(app, "opportunities/\(opportunityID)/proposals", dev, """
            {"lines": [{"description": "Advice", "quantity": "2", "unit": "hour", "unitPrice": "150.00"}], "validUntil": "\(validUntil)",
             "terms": "Net 30 <b>bold</b>"}
            """)
        let id = try #require(p["id"] as? Int)
        let ok = try await app.request(.patch, "/api/v1/proposals/\(id)", token: dev, json: #"{"reviewerId": 10}"#, headers: [.ifMatch: "\"1\""])
        #expect(ok.status == .ok, "\(ok.text)")
        try await proposals.post(app, "proposals/\(id)/submit", dev, expect: .ok)
        let grace = try await app.signIn("grace.kim@demo.test")
        try await proposals.post(app, "proposals/\(id)/approve", grace, expect: .ok)
        try await proposals.post(app, "proposals/\(id)/send", dev, expect: .ok)
        return id
    }

    func link(_ app: TestApp, _ id: Int, _ dev: String) async throws -> String {
        let made = try await proposals.post(app, "proposals/\(id)/client-link", dev, expect: .created)
        let token = try #require(made["token"] as? String)
        #expect(made["url"] as? String == "/proposal-link/\(token)")
        #expect(made["expiresOn"] as? String == "2099-12-31")
        return token
    }

    func form(_ app: TestApp, _ token: String, _ fields: [String: String], agent: String = "TestBrowser/1.0") async throws -> TestResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = fields.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        return try await app.client.execute(uri: "/proposal-link/\(token)", method: .post,
                                            headers: [.contentType: "application/x-www-form-urlencoded", .userAgent: agent],
                                            body: ByteBuffer(string: body))
    }

    /// A sent proposal with a fresh link, opened once: Dev's token, the id, the token and the digest shown.
    func opened(_ app: TestApp) async throws -> (dev: String, id: Int, token: String, hash: String) {
        let admin = try await app.signIn("admin@demo.test")
        let dev = try await app.signIn("dev.patel@demo.test")
        let id = try await sent(app, admin: admin, dev: dev)
        let token = try await link(app, id, dev)
        return (dev, id, token, try sha(try await app.request(.get, "/proposal-link/\(token)")))
    }

    func sha(_ page: TestResponse) throws -> String {
        let start = try #require(page.text.range(of: #"name="sha256" value=""#)).upperBound
        return String(page.text[start...].prefix { $0 != "\"" })
    }

    @Test func theClientAcceptsThroughTheLinkOnceWithEvidence() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let dev = try await app.signIn("dev.patel@demo.test")
            let id = try await sent(app, admin: admin, dev: dev)
            let token = try await link(app, id, dev)
            #expect(token.count >= 32, "at least 128 bits")
            let stored = try await app.sql("SELECT count(*) AS n FROM proposal_client_links WHERE token_hash = convert_to(\(token), 'UTF8')")
            #expect(try stored.first?.decode("n", as: Int.self) == 0, "only the hash is kept")
            let page = try await app.request(.get, "/proposal-link/\(token)")
            #expect(page.status == .ok)
            #expect(page.text.contains("Net 30 &lt;b&gt;bold&lt;/b&gt;"))
            #expect(page.text.contains(#"id="accept-form""#))
            let hash = try sha(page)
            #expect(hash.count == 64)
            // Without consent: refused beside the box, nothing accepted.
            let noConsent = try await form(app, token, ["decision": "accept", "name": "Jo Client", "title": "CFO", "sha256": hash])
            #expect(noConsent.status == .unprocessableContent)
            #expect(noConsent.text.contains("Tick the box"))
            let accepted = try await form(app, token, ["decision": "accept", "name": "Jo Client", "title": "CFO", "email": "jo@client.test",
                                                       "consent": "yes", "sha256": hash])
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(accepted.text.contains("is accepted"))
            let proposal = try await app.request(.get, "/api/v1/proposals/\(id)", token: dev)
            #expect(try proposal.object["status"] as? String == "accepted")
            #expect(try proposal.object["projectId"] as? Int != nil)
            let answer = try await app.request(.get, "/api/v1/proposals/\(id)/client-decision", token: dev)
            #expect(answer.status == .ok)
            let evidence = try #require(answer.object["decision"] as? [String: Any])
            #expect(evidence["decision"] as? String == "accepted")
            #expect(evidence["name"] as? String == "Jo Client")
            #expect(evidence["title"] as? String == "CFO")
            #expect(evidence["email"] as? String == "jo@client.test")
            #expect(evidence["userAgent"] as? String == "TestBrowser/1.0")
            #expect(evidence["documentSha256"] as? String == hash)
            #expect(evidence["address"] as? String != nil)
            // Used: the page says so and accepts nothing more.
            let again = try await form(app, token, ["decision": "accept", "name": "Jo", "title": "CFO", "consent": "yes", "sha256": hash])
            #expect(again.status == .conflict)
            #expect(again.text.contains("has been accepted"))
            let projects = try await app.sql("SELECT count(*) AS n FROM projects")
            #expect(try projects.first?.decode("n", as: Int.self) == 1)
        }
    }

    @Test func anExpiredOrRevokedLinkAcceptsNothingAndSaysWhy() async throws {
        try await TestApp.run { app in
            let (dev, id, token, hash) = try await opened(app)
            _ = try await app.sql("UPDATE proposal_client_links SET expires_on = current_date - 1 WHERE proposal_id = \(id)")
            let expired = try await form(app, token, ["decision": "accept", "name": "Jo", "title": "CFO", "consent": "yes", "sha256": hash])
            #expect(expired.status == .conflict)
            #expect(expired.text.contains("can no longer be accepted"))
            #expect(!expired.text.contains(#"id="accept-form""#))
            let still = try await app.request(.get, "/api/v1/proposals/\(id)", token: dev)
            #expect(try still.object["status"] as? String == "sent")
            // A new link, withdrawn: explained, nothing accepted.
            let second = try await link(app, id, dev)
            let revoked = try await app.request(.delete, "/api/v1/proposals/\(id)/client-link", token: dev)
            #expect(try revoked.object["revoked"] as? Int == 2)
            let page = try await app.request(.get, "/proposal-link/\(second)")
            #expect(page.text.contains("withdrawn"))
            let refused = try await form(app, second, ["decision": "accept", "name": "Jo", "title": "CFO", "consent": "yes", "sha256": hash])
            #expect(refused.status == .conflict)
            let unknown = try await app.request(.get, "/proposal-link/not-a-token")
            #expect(unknown.status == .notFound)
            // A body with bare "=" pairs (schemathesis sent one) is read, not trapped on.
            let bare = try await app.client.execute(uri: "/proposal-link/not-a-token", method: .post,
                                                    headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "=&a=b&="))
            #expect(bare.status == .notFound)
            let projects = try await app.sql("SELECT count(*) AS n FROM projects")
            #expect(try projects.first?.decode("n", as: Int.self) == 0)
            // A consultant may not make links.
            let ivy = try await app.signIn("ivy.chen@demo.test")
            let other = try await app.request(.post, "/api/v1/proposals/\(id)/client-link", token: ivy)
            #expect(other.status == .notFound || other.status == .forbidden)
        }
    }

    @Test func twentyAcceptancesAtOnceThroughLinkAndAPIMakeOneProject() async throws {
        try await TestApp.run { app in
            let (dev, id, token, hash) = try await opened(app)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        if i % 2 == 0 {
                            return try await form(app, token, ["decision": "accept", "name": "Jo \(i)", "title": "CFO", "consent": "yes",
                                                               "sha256": hash]).status
                        }
                        return try await app.request(.post, "/api/v1/proposals/\(id)/accept", token: dev, json: "{}").status
                    }
                }
                var all: [HTTPResponse.Status] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .conflict }, "\(statuses)")
            let projects = try await app.sql("SELECT count(*) AS n FROM projects")
            #expect(try projects.first?.decode("n", as: Int.self) == 1)
            let decisions = try await app.sql("SELECT count(*) AS n FROM proposal_client_decisions")
            #expect(try decisions.first?.decode("n", as: Int.self) ?? 0 <= 1)
        }
    }
}
