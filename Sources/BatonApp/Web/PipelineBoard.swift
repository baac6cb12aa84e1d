import BatonCore
import Dates
import Foundation
import Postgres

/// The pipeline board: a column per open stage with its count, total and weighted
/// total, and a card per opportunity; won and lost are where cards leave the board.
struct PipelineBoard {
    struct Card {
        struct Option { var key: String; var name: String; var selected: Bool }
        var id: Int64
        var name: String
        var account: String
        var amount: String
        var closeDate: String
        var initials: String
        var daysInStage: Int
        var stale: Bool
        /// The stages to move to, this card's own selected.
        var options: [Option]
    }
    struct Column { var key: String; var name: String; var count: Int; var total: String; var weighted: String; var cards: [Card] }
    struct Choice { var key: String; var name: String }
    struct Owner { var id: Int64; var name: String; var selected: Bool }

    var columns: [Column]
    var stages: [Choice]
    var owners: [Owner]
    var period: String
    var error: String?

    static func build(_ db: Connection, caller: Caller, services: AppServices, ownerID: Int64?, period: FiscalPeriod, error: String?) async throws -> PipelineBoard {
        let currency = services.configuration.currency
        let stages = try await services.stages.all(db)
        let open = stages.filter { !$0.isWon && !$0.isLost }
        var ownerCondition: Query = "TRUE"
        if let ownerID { ownerCondition = "o.owner_id = \(ownerID)" }
        let rows = try await db.query("""
            SELECT o.id, o.name, a.name AS account, o.amount, o.close_date, o.stage_key, u.name AS owner,
                   CASE WHEN s.is_won OR s.is_lost THEN s.probability ELSE coalesce(o.probability_override, s.probability) END AS probability,
                   floor(extract(epoch FROM now() - o.stage_entered_at) / 86400)::int AS days, s.usual_days
            FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key
            JOIN users u ON u.id = o.owner_id
            WHERE o.archived_at IS NULL AND NOT s.is_won AND NOT s.is_lost AND \(Scope.accounts(caller)) AND \(ownerCondition)
              AND o.close_date >= \(period.start) AND o.close_date < \(period.endExclusive)
            ORDER BY o.close_date, o.id
            """)
        var byStage: [String: [(Card, Decimal, Decimal)]] = [:]
        for row in rows {
            let amount: Decimal = try row.decode("amount")
            let probability: Decimal = try row.decode("probability")
            let days: Int = try row.decode("days")
            let usual: Int = try row.decode("usual_days")
            let owner: String = try row.decode("owner")
            let card = Card(id: try row.decode("id"), name: try row.decode("name"), account: try row.decode("account"),
                            amount: amount.display(currency: currency), closeDate: (try row.decode("close_date", as: CalendarDate.self)).description,
                            initials: owner.split(separator: " ").compactMap(\.first).map(String.init).joined(),
                            daysInStage: days, stale: days > usual,
                            options: stages.map { Card.Option(key: $0.key, name: $0.name, selected: false) })
            let stageKey: String = try row.decode("stage_key")
            var marked = card
            marked.options = card.options.map { .init(key: $0.key, name: $0.name, selected: $0.key == stageKey) }
            byStage[stageKey, default: []].append((marked, amount, amount * probability / 100))
        }
        let columns = open.map { stage -> Column in
            let cards = byStage[stage.key] ?? []
            return Column(key: stage.key, name: stage.name, count: cards.count,
                          total: cards.reduce(Decimal(0)) { $0 + $1.1 }.display(currency: currency),
                          weighted: cards.reduce(Decimal(0)) { $0 + $1.2 }.display(currency: currency), cards: cards.map(\.0))
        }
        let owners = try await db.query("""
            SELECT u.id, u.name FROM users u WHERE u.active AND u.roles && ARRAY['account_manager', 'sales', 'manager']
              AND \(UserStore.scope(caller)) ORDER BY lower(u.name)
            """).map { Owner(id: try $0.decode("id"), name: try $0.decode("name"), selected: try $0.decode("id", as: Int64.self) == ownerID) }
        return PipelineBoard(columns: columns, stages: stages.map { Choice(key: $0.key, name: $0.name) }, owners: owners,
                             period: period.key, error: error)
    }
}
