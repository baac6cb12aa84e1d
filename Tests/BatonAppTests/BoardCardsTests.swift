@testable import BatonApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// The board's cards are small (issue 19, item 11): the board is one form holding the token
/// and the period once; a card's buttons post to the deal's own address, it carries no list
/// of lost reasons (the one dialog asks, or the deal's page without JavaScript), and the
/// "keep my override" box is named for its deal. A move's undo goes back to the stage the
/// server read before moving, whatever the page that sent it drew.
@Suite struct BoardCardsTests {
    let pages = PipelinePageAgreementTests()

    /// New deals of Ana's in qualification on a new account, with a probability override when given.
    func deals(_ app: TestApp, _ ana: String, account: String, _ names: [String], closing: String,
               probability: String? = nil) async throws -> (account: Int, ids: [Int]) {
        let made = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "\#(account)"}"#)
        let accountID = try #require(made.object["id"] as? Int)
        var ids: [Int] = []
        for name in names {
            let override = probability.map { #", "probability": "\#($0)""# } ?? ""
            let deal = try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
                {"accountId": \(accountID), "name": "\(name)", "stage": "qualification", "closeDate": "\(closing)", "amount": "48000.00"\(override)}
                """)
            ids.append(try #require(deal.object["id"] as? Int))
        }
        return (accountID, ids)
    }

    @Test func aCardCarriesItsMovesButNoTokenReasonsOrFormOfItsOwn() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let id = try #require(try await deals(app, ana, account: "Card <Shape> & Co", ["Small <b>card</b>"], closing: "2031-05-20",
                                                  probability: "35").ids.first)
            let html = try await pages.page(app, "/pipeline?period=2031-Q2", ana).text
            let start = try #require(html.range(of: #"<article class="card-deal" draggable="true" data-id="\#(id)""#)).lowerBound
            let end = try #require(html[start...].range(of: "</article>")).upperBound
            let card = String(html[start..<end])

            #expect(!card.contains("<form") && !card.contains("csrf") && !card.contains("<select"), "no form, token or reason list a card")
            #expect(html.components(separatedBy: #"name="csrf""#).count - 1 == 3, "the token once for the board, the undo-less page's dialog and sign-out")
            for stage in ["prospecting", "needs_analysis", "proposal", "negotiation", "closed_won"] {
                #expect(card.contains(#"<button formaction="/pipeline/\#(id)/stage" name="stage" value="\#(stage)""#), "\(stage)")
            }
            #expect(!card.contains(#"value="qualification""#), "no move to its own stage")
            #expect(card.contains(#"<a href="/opportunities/\#(id)#mark-lost" class="lost">Mark Closed lost…</a>"#))
            #expect(card.contains(#"<input type="checkbox" name="keepOverride-\#(id)" value="true">"#))
            #expect(card.contains("Small &lt;b&gt;card&lt;/b&gt;") && card.contains("Card &lt;Shape&gt; &amp; Co"), "names are escaped")
            #expect(card.contains(#"<time class="nowrap" datetime="2031-05-20">20 May 2031</time>"#))
            // The board's one form wraps the columns; the dialog's is separate.
            let board = try #require(html.range(of: #"<form method="post" action="/pipeline" id="board-form">"#))
            #expect(html[board.upperBound...].range(of: "</form>")!.lowerBound > html.range(of: "</article>")!.lowerBound)
        }
    }

    @Test func theBoardsBoxKeepsOnlyItsOwnDealsOverride() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let (accountID, ids) = try await deals(app, ana, account: "Card Boxes", ["Kept", "Told"], closing: "2031-02-14", probability: "35")
            let token = try await pages.csrf(app, ana, from: "/pipeline?period=2031-Q1")
            // Both boxes ticked, as the one form sends them; each move reads only its own.
            let boxes = ids.map { ("keepOverride-\($0)", "true") }
            let kept = try await pages.form(app, "/pipeline/\(ids[0])/stage", ana, [("csrf", token), ("period", "2031-Q1")] + boxes + [("stage", "proposal")])
            #expect(kept.status == .seeOther && pages.flash(kept) == nil)
            let told = try await pages.form(app, "/pipeline/\(ids[1])/stage", ana,
                                            [("csrf", token), ("period", "2031-Q1"), ("keepOverride-\(ids[0])", "true"), ("stage", "proposal")])
            #expect(pages.flash(told)?.hasPrefix("Told: Moving to Proposal replaced the probability override (35%)") == true)
            let stored = try await app.sql("SELECT probability_override AS p FROM opportunities WHERE account_id = \(accountID) ORDER BY id")
            #expect(try stored.map { try $0.decode("p", as: Decimal?.self) } == [35, nil])
        }
    }

    @Test func aMoveOffersToGoBackToTheStageTheServerReadBeforeIt() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let id = try #require(try await deals(app, ana, account: "Card Undo", ["Undo me"], closing: "2031-02-14").ids.first)
            let token = try await pages.csrf(app, ana, from: "/pipeline?period=all")
            // A page drawn before someone else moved it says "from prospecting": the server knows better.
            let moved = try await pages.form(app, "/pipeline/\(id)/stage", ana,
                                             [("csrf", token), ("period", "all"), ("from", "prospecting"), ("stage", "proposal")])
            #expect(moved.headers[.location] == "/pipeline?period=all&undo=\(id).qualification")
            let refused = try await pages.form(app, "/pipeline/\(id)/stage", ana, [("csrf", token), ("period", "all"), ("stage", "closed_lost")])
            #expect(refused.headers[.location] == "/pipeline?period=all", "a refused move has nothing to undo")
            #expect(pages.flash(refused)?.contains("Lost reason is required") == true)
            let lost = try await pages.form(app, "/pipeline/\(id)/stage", ana,
                                            [("csrf", token), ("period", "all"), ("stage", "closed_lost"), ("lostReason", "Chose a competitor")])
            #expect(lost.headers[.location] == "/pipeline?period=all&undo=\(id).proposal")
        }
    }
}
