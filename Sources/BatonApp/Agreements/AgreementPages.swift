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
    static let limit = 500

    var lines: [AgreementLine]
    var statuses, owners, endings: [Choice]
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
            statuses: [Choice(value: "", label: "Any status", selected: status == nil)]
                + AgreementStatus.allCases.map { Choice(value: $0.rawValue, label: Formatting.label($0.rawValue), selected: $0 == status) },
            owners: [Choice(value: "", label: "Anyone", selected: owner == nil)]
                + people.map { Choice(value: String($0.id), label: $0.name, selected: $0.id == owner) },
            endings: [Choice(value: "", label: "Any time", selected: ending == nil)]
                + endingChoices.map { Choice(value: String($0), label: "\($0) days", selected: $0 == ending) },
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

/// `/agreements/{id}`: one agreement, its lines, where it came from and where it stands,
/// and (while it runs, for those who may change it) the form that downgrades it through
/// `AgreementActions.downgrade`, as the API does.
struct AgreementPage {
    struct LineRow { var line: AgreementRecord.Line; var quantity, unitPrice, period: String }

    var summary: AgreementLine
    var lines: [LineRow]
    var autoRenew, noticeBy: String
    var accountHref, closeReason, closedOn: String
    var closed, canDowngrade: Bool
    var downgrade: WebForm

    static func build(_ db: Connection, id: Int64, caller: Caller, currency: String, form: FormState? = nil) async throws -> AgreementPage? {
        guard let listed = try await RecurringRevenueStore().agreement(db, id: id, caller: caller) else { return nil }
        let a = listed.agreement
        let state = form ?? FormState("downgrade", values: Dictionary(uniqueKeysWithValues: a.lines.flatMap {
            [("quantity-\($0.id)", $0.quantity.description), ("unitPrice-\($0.id)", $0.unitPrice.description)]
        } + [("version", String(a.version))]))
        let fields = a.lines.flatMap { line in
            [state.text("quantity-\(line.id)", "Quantity: \(line.description)", inputmode: "decimal"),
             state.text("unitPrice-\(line.id)", "Price a period: \(line.description)", inputmode: "decimal")]
        } + [state.text("effectiveOn", "Takes effect on", type: "date", hint: "Today when left empty; within the term"),
             state.textarea("reason", "Why (required)")]
        return AgreementPage(
            summary: AgreementLine(a, accountName: listed.accountName, ownerName: listed.ownerName, currency: currency),
            lines: a.lines.map {
                LineRow(line: $0, quantity: $0.quantity.description, unitPrice: Formatting.money($0.unitPrice, currency: currency),
                        period: Formatting.label($0.recurrence.period.rawValue))
            },
            autoRenew: a.autoRenew ? "Renews by itself" : "Does not renew by itself",
            noticeBy: Formatting.date(RecurringRevenue.noticeBy(endOn: a.endOn, noticeDays: a.noticeDays)),
            accountHref: Site.account(a.accountId), closeReason: a.closeReason ?? "", closedOn: Formatting.date(a.closedOn, none: ""),
            closed: a.closedOn != nil, canDowngrade: a.status.isLive && PipelineAccess.canWrite(caller.roles),
            downgrade: state.form(fields, hidden: [.init(name: "version", value: state.value("version"))]))
    }
}

extension WebRoutes {
    @Sendable func agreementPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        return try await agreementPage(caller, token, id: try request.id(context))
    }

    func agreementPage(_ caller: Caller, _ token: String, id: Int64, form: FormState? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        guard let body = try await services.pool.withConnection({
            try await AgreementPage.build($0, id: id, caller: caller, currency: services.configuration.currency, form: form)
        }) else { return notFound() }
        return renderer.page("agreement", Page(frame: frame(caller, sessionToken: token, title: body.summary.agreement.name, area: "agreements"),
                                               body: body), status: status)
    }

    /// The downgrade form: each line's quantity and price as typed (the lines left as they
    /// were are no reduction), the reason and the day, at the version the page showed.
    @Sendable func downgradeAgreementForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            var reader = FormReader(form)
            let lineIDs = form.keys.compactMap { $0.hasPrefix("quantity-") ? Int64($0.dropFirst("quantity-".count)) : nil }.sorted()
            let lines = lineIDs.map { line in
                AgreementDowngradeInput.Line(id: line, quantity: reader.decimal("quantity-\(line)", "Quantity", field: "lines"),
                                             unitPrice: reader.money("unitPrice-\(line)", "Price", field: "lines"))
            }
            let input = AgreementDowngradeInput(lines: lines, reason: reader.optional("reason"), effectiveOn: reader.date("effectiveOn", "Takes effect on"))
            do {
                _ = try await formTransaction(reader) { db in
                    try await AgreementActions(services: services).downgrade(db, caller: caller, id: id, expected: form["version"].flatMap { Int($0) },
                                                                             input: input)
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await agreementPage(caller, token, id: id, form: FormState("downgrade", typed: form, failure: failure), status: failure.status)
            }
            return WebSession.redirect(Site.agreement(id))
        }
    }
}
