import BatonCore
import Dates
import Foundation
import Mustache
import Postgres

/// The pipeline board: a column per open stage with its count, total and weighted
/// total, and a compact card per opportunity (name, account, amount, close date, days
/// in stage, owner's initials) whose moves sit in one menu; won and lost are drop
/// zones where cards leave the board (lost asks its reason from the firm's list). The
/// board shows one period's closing deals or every open deal, says so when a period is
/// not understood, and offers to undo the last move.
struct PipelineBoard {
    /// The period word for every open deal, whatever its close date.
    static let allOpen = "all"

    struct Card {
        struct Option { var key: String; var name: String }
        /// The deal as the board reads it (its override shows the "keep my override"
        /// box); the rest is how the card shows it.
        var deal: OpportunityStore.BoardCard
        var amount, closes, initials: String
        /// Longer in its stage than the stage's usual days.
        var stale: Bool
        /// Where the card's move buttons post (`formaction`): the board is one form, so a
        /// card carries no token, period or stage of its own.
        var action: String
        /// The open stages to move to (not its own), one list shared by the column's cards.
        var options: [Option]
        /// The won and lost stages, which every card names: answered by the card itself, not
        /// found by climbing through its column to the board.
        var closing: Closing
        /// The "keep my override" box's name: one per deal, as every card's box sits in the
        /// board's one form and a form keeps only the last of repeated names.
        var keepField: String { Self.keepOverride + String(deal.id) }
        static let keepOverride = "keepOverride-"
    }
    /// The won and lost stages' keys and names, shared by the board and its cards.
    struct Closing { var wonStage, wonName, lostName: String }
    struct Column {
        var key, name: String
        var count: Int
        var total, weighted: String
        var cards: [Card]
        var empty: Bool
        /// The deals list of this stage and period when the column holds more deals than cards.
        var showAll: String?
    }
    /// Cards per column: the soonest closing; the header counts and totals every deal.
    static let cardsPerColumn = 50
    struct Choice { var key: String; var name: String }
    struct Owner { var id: Int64; var name: String; var selected: Bool }
    struct Reason { var value: String; var label: String }
    /// The last move, to take back: the deal and the stage it came from.
    struct Undo {
        var id: Int64
        var stage: String
        init?(_ text: String) {
            let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let id = Int64(parts[0]), !parts[1].isEmpty else { return nil }
            self.id = id
            stage = parts[1]
        }
        var text: String { "\(id).\(stage)" }
    }
    struct UndoOffer { var id: Int64; var name: String; var stage: String; var stageName: String }

    var columns: [Column]
    var stages, periods: [Choice]
    var owners: [Owner]
    /// The period picked ("all" for every open deal) and what the board shows, in words.
    var period, showing: String
    var error, periodError: String?
    /// The won and lost stages' keys and names: the drop zones.
    var wonStage, wonName, lostStage, lostName: String
    var lostReasons: [Reason]
    var otherReason: String
    var undo: UndoOffer?

    static func build(_ db: Connection, caller: Caller, services: AppServices, ownerID: Int64?, period: FiscalPeriod?,
                      error: String?, periodError: String? = nil, undo: Undo? = nil) async throws -> PipelineBoard {
        let currency = services.configuration.currency
        let stages = try await services.stages.all(db)
        let open = stages.filter { !$0.isWon && !$0.isLost }
        var byStage: [String: [Card]] = [:]
        // What the cards share is worked out once: a column's moves, an owner's initials.
        let moves = Dictionary(uniqueKeysWithValues: open.map { stage in
            (stage.key, open.filter { $0.key != stage.key }.map { Card.Option(key: $0.key, name: $0.name) })
        })
        var initials: [String: String] = [:]
        let won = stages.first { $0.isWon }, lost = stages.first { $0.isLost }
        let closing = Closing(wonStage: won?.key ?? "", wonName: won?.name ?? "Won", lostName: lost?.name ?? "Lost")
        for deal in try await services.opportunities.board(db, visibleTo: caller, ownerID: ownerID, period: period, perStage: cardsPerColumn) {
            let ownerInitials = initials[deal.owner] ?? deal.owner.split(separator: " ").compactMap(\.first).map(String.init).joined()
            initials[deal.owner] = ownerInitials
            let card = Card(deal: deal, amount: deal.amount.display(currency: currency), closes: Formatting.date(deal.closeDate),
                            initials: ownerInitials, stale: deal.daysInStage > deal.usualDays, action: Site.pipelineStage(deal.id),
                            options: moves[deal.stageKey] ?? [], closing: closing)
            byStage[deal.stageKey, default: []].append(card)
        }
        let totals = try await services.opportunities.boardTotals(db, visibleTo: caller, ownerID: ownerID, period: period)
        let columns = open.map { stage -> Column in
            let cards = byStage[stage.key] ?? []
            let sums = totals[stage.key] ?? (0, 0, 0)
            return Column(key: stage.key, name: stage.name, count: sums.count, total: sums.total.display(currency: currency),
                          weighted: sums.weighted.display(currency: currency), cards: cards, empty: cards.isEmpty,
                          showAll: sums.count > cards.count ? showAllLink(stage: stage.key, ownerID: ownerID, period: period) : nil)
        }
        let owners = try await services.opportunities.boardOwners(db, visibleTo: caller).map {
            Owner(id: $0.id, name: $0.name, selected: $0.id == ownerID)
        }
        // Periods to pick from; any other is typed.
        let calendar = services.quotas.calendar
        let today = Timestamp.now.calendarDate
        let quarter = calendar.period(containing: today, kind: .quarter)
        let nextQuarter = calendar.period(containing: quarter.endExclusive, kind: .quarter)
        let periods = [
            Choice(key: allOpen, name: "All open deals"),
            Choice(key: calendar.period(containing: today, kind: .month).key, name: "This month"),
            Choice(key: quarter.key, name: "This quarter"),
            Choice(key: nextQuarter.key, name: "Next quarter"),
            Choice(key: calendar.period(containing: today, kind: .year).key, name: "This year"),
        ]
        var offer: UndoOffer?
        if let undo, let deal = try await services.opportunities.find(db, id: undo.id, visibleTo: caller),
            let back = stages.first(where: { $0.key == undo.stage }), deal.stage != undo.stage {
            offer = UndoOffer(id: deal.id, name: deal.name, stage: back.key, stageName: back.name)
        }
        return PipelineBoard(
            columns: columns, stages: stages.map { Choice(key: $0.key, name: $0.name) }, periods: periods, owners: owners,
            period: period?.key ?? allOpen,
            showing: period.map { "closing in \($0.key) (\(Formatting.span($0.start, $0.endExclusive.adding(days: -1))))" } ?? "every open deal",
            error: error, periodError: periodError,
            wonStage: closing.wonStage, wonName: closing.wonName, lostStage: lost?.key ?? "", lostName: closing.lostName,
            lostReasons: try await LostReasonStore().active(db).map { Reason(value: $0.name, label: $0.name) }
                + [Reason(value: LostReasonStore.other, label: "Other (say why)")],
            otherReason: LostReasonStore.other, undo: offer)
    }

    /// The opportunities list narrowed as the column is: its stage, the board's owner
    /// and period (the list's close dates are inclusive).
    static func showAllLink(stage: String, ownerID: Int64?, period: FiscalPeriod?) -> String {
        var query = [URLQueryItem(name: "stage", value: stage)]
        if let ownerID { query.append(URLQueryItem(name: "owner", value: String(ownerID))) }
        if let period {
            query += [URLQueryItem(name: "closeFrom", value: period.start.description),
                      URLQueryItem(name: "closeTo", value: period.endExclusive.adding(days: -1).description)]
        }
        var link = URLComponents()
        link.path = "/opportunities"
        link.queryItems = query
        return link.string ?? "/opportunities"
    }
}

// The board answers its template by name. Mustache otherwise reflects a struct (`Mirror`)
// for every value it reads, and climbs from a card through its column to the board (and on
// to the page, reflected) for every name the card does not answer: 250 cards cost most of
// the page's time. A card answers its deal's fields itself (`{{id}}`, not `{{deal.id}}`:
// each dot is one more look-up) and the won and lost stages' names, and its move buttons
// answer the card's address, so no name a card draws climbs. An optional answers as
// Mirror did: its value, or nil to climb on.
extension PipelineBoard: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "columns": columns
        case "stages": stages
        case "periods": periods
        case "owners": owners
        case "period": period
        case "showing": showing
        case "error": error
        case "periodError": periodError
        case "wonStage": wonStage
        case "wonName": wonName
        case "lostStage": lostStage
        case "lostName": lostName
        case "lostReasons": lostReasons
        case "otherReason": otherReason
        case "undo": undo
        default: nil
        }
    }
}

extension PipelineBoard.Column: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "key": key
        case "name": self.name
        case "count": count
        case "total": total
        case "weighted": weighted
        case "cards": cards
        case "empty": empty
        case "showAll": showAll
        default: nil
        }
    }
}

extension PipelineBoard.Card: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": deal.id
        case "name": deal.name
        case "account": deal.account
        case "owner": deal.owner
        case "stageKey": deal.stageKey
        case "closeDate": deal.closeDate
        case "daysInStage": deal.daysInStage
        case "overridden": deal.overridden
        case "keepField": keepField
        case "amount": amount
        case "closes": closes
        case "initials": initials
        case "stale": stale
        case "action": action
        case "options": options.map { Move(option: $0, action: action) }
        case "wonStage": closing.wonStage
        case "wonName": closing.wonName
        case "lostName": closing.lostName
        default: nil
        }
    }
}

/// A card's move to one stage: the column's option and the card's address, which every
/// move button posts to.
private struct Move: MustacheParent {
    var option: PipelineBoard.Card.Option
    var action: String

    func child(named name: String) -> Any? {
        switch name {
        case "key": option.key
        case "name": option.name
        case "action": action
        default: nil
        }
    }
}

extension PipelineBoard.Reason: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        default: nil
        }
    }
}
