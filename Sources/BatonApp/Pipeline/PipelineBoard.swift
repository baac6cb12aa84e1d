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
        /// Shows the "keep my override" box: the deal has an override a move would replace.
        var overridden: Bool
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
        var byStage: [String: [(Card, Decimal, Decimal)]] = [:]
        for deal in try await services.opportunities.board(db, visibleTo: caller, ownerID: ownerID, period: period) {
            let card = Card(id: deal.id, name: deal.name, account: deal.account, amount: deal.amount.display(currency: currency),
                            closeDate: deal.closeDate.description,
                            initials: deal.owner.split(separator: " ").compactMap(\.first).map(String.init).joined(),
                            daysInStage: deal.daysInStage, stale: deal.daysInStage > deal.usualDays, overridden: deal.overridden,
                            options: stages.map { Card.Option(key: $0.key, name: $0.name, selected: $0.key == deal.stageKey) })
            byStage[deal.stageKey, default: []].append((card, deal.amount, deal.amount * deal.probability / 100))
        }
        let columns = open.map { stage -> Column in
            let cards = byStage[stage.key] ?? []
            return Column(key: stage.key, name: stage.name, count: cards.count,
                          total: cards.reduce(Decimal(0)) { $0 + $1.1 }.display(currency: currency),
                          weighted: cards.reduce(Decimal(0)) { $0 + $1.2 }.display(currency: currency), cards: cards.map(\.0))
        }
        let owners = try await services.opportunities.boardOwners(db, visibleTo: caller).map {
            Owner(id: $0.id, name: $0.name, selected: $0.id == ownerID)
        }
        return PipelineBoard(columns: columns, stages: stages.map { Choice(key: $0.key, name: $0.name) }, owners: owners,
                             period: period.key, error: error)
    }
}
