import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// One agreement as the pages show it: the record, and its figures in words.
struct AgreementLine {
    var agreement: AgreementRecord
    var accountName, ownerName: String
    var status, mrr, arr, startOn, endOn: String
    var renewalHref: String?
    var live: Bool

    init(_ a: AgreementRecord, accountName: String = "", ownerName: String? = nil, currency: String) {
        (agreement, self.accountName, self.ownerName) = (a, accountName, ownerName ?? "No owner")
        status = Formatting.label(a.status.rawValue)
        (mrr, arr) = (Formatting.money(a.mrr.amount, currency: currency), Formatting.money(a.arr.amount, currency: currency))
        (startOn, endOn) = (Formatting.date(a.startOn), Formatting.date(a.endOn))
        renewalHref = a.renewalOpportunityId.map { Site.opportunity($0) }
        live = a.status.isLive
    }
}

/// The account page's agreements: each with its status, MRR and ARR, end and renewal,
/// and what the live ones bring in together.
struct AccountAgreements {
    var lines: [AgreementLine] = []
    var has = false
    var mrr = "", arr = ""
    var listHref = ""

    static func load(_ db: Connection, accountID: Int64, caller: Caller, currency: String) async throws -> AccountAgreements {
        let records = try await AgreementStore().list(db, caller: caller, filter: .init(accountID: accountID), page: try PageRequest(limit: 100)).items
        let live = records.filter(\.status.isLive).reduce(Decimal(0)) { $0 + $1.mrr.amount }
        return AccountAgreements(lines: records.map { AgreementLine($0, currency: currency) }, has: !records.isEmpty,
                                 mrr: Formatting.money(live, currency: currency),
                                 arr: Formatting.money(AgreementRules.arr(mrr: live), currency: currency),
                                 listHref: Site.agreements())
    }
}

/// `/agreements`: the recurring book the caller sees, filtered by status, account owner
/// and end within so many days, soonest end first, with the live ones' MRR and ARR.
struct AgreementsPage {
    struct Option { var value, label: String; var selected: Bool }
    static let limit = 500

    var lines: [AgreementLine]
    var statuses, owners, endings: [Option]
    var count: Int
    var mrr, arr: String
    var empty, truncated: Bool

    static let endingChoices = [30, 60, 90, 180, 365]

    static func build(_ db: Connection, caller: Caller, query: QueryParameters, currency: String) async throws -> AgreementsPage {
        // Read leniently, as the list views: a value that does not parse is left out.
        let status = query.string("status").flatMap(AgreementStatus.init(rawValue:))
        let owner = query.string("ownerId").flatMap { Int64($0) }
        let ending = query.string("endingWithin").flatMap { Int($0) }.flatMap { endingChoices.contains($0) ? $0 : nil }
        let store = RecurringRevenueStore()
        let listed = try await store.agreements(db, caller: caller, filter: .init(status: status, ownerID: owner, endingWithin: ending),
                                                today: Timestamp.now.calendarDate, limit: limit)
        let live = listed.map(\.agreement).filter(\.status.isLive).reduce(Decimal(0)) { $0 + $1.mrr.amount }
        let people = try await store.agreementOwners(db, caller: caller)
        return AgreementsPage(
            lines: listed.map { AgreementLine($0.agreement, accountName: $0.accountName, ownerName: $0.ownerName, currency: currency) },
            statuses: [Option(value: "", label: "Any status", selected: status == nil)]
                + AgreementStatus.allCases.map { Option(value: $0.rawValue, label: Formatting.label($0.rawValue), selected: $0 == status) },
            owners: [Option(value: "", label: "Anyone", selected: owner == nil)]
                + people.map { Option(value: String($0.id), label: $0.name, selected: $0.id == owner) },
            endings: [Option(value: "", label: "Any time", selected: ending == nil)]
                + endingChoices.map { Option(value: String($0), label: "\($0) days", selected: $0 == ending) },
            count: listed.count, mrr: Formatting.money(live, currency: currency),
            arr: Formatting.money(AgreementRules.arr(mrr: live), currency: currency),
            empty: listed.isEmpty, truncated: listed.count == limit)
    }
}

extension WebRoutes {
    @Sendable func agreementsPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        let query = QueryParameters(request)
        let body = try await services.pool.withConnection {
            try await AgreementsPage.build($0, caller: caller, query: query, currency: services.configuration.currency)
        }
        return renderer.page("agreements", Page(frame: frame(caller, sessionToken: token, title: "Agreements", area: "agreements"), body: body))
    }
}
