import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres

/// The list views (issue 19, item 4): deals and contacts as tables with filters, a
/// sort, the count and total of the whole view, pages that keep the filters, and the
/// same view as CSV (`?format=csv`).
extension WebRoutes {

    @Sendable func showOpportunityList(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        let params = ListParameters(request)
        let query = params.opportunityQuery
        let currency = services.configuration.currency
        let store = ListStore()
        if params.wantsCSV {
            let result = try await services.pool.withConnection { try await store.opportunities($0, visibleTo: caller, query: query, all: true) }
            let rows = result.rows.map { r in
                [r.name, r.account, r.stage, Formatting.label(r.kind.rawValue), r.amount.fixed(scale: 2), r.closeDate.description, r.owner]
            }
            return Self.csvResponse(CSV.write(header: ["name", "account", "stage", "kind", "amount", "closeDate", "owner"], rows: rows),
                                    filename: "opportunities.csv")
        }
        let (result, choices) = try await services.pool.withConnection { db in
            (try await store.opportunities(db, visibleTo: caller, query: query), try await store.opportunityChoices(db))
        }
        var body = OpportunityListPage(
            query: query, params: params, currency: currency, result: result,
            stages: choices.stages.map { .init(value: $0.key, label: $0.name, selected: $0.key == query.stage) },
            owners: choices.owners.map { .init(value: String($0.id), label: $0.name, selected: $0.id == query.ownerID) })
        body.thisQuarter = OpportunityListPage.myQuarter(callerID: caller.id, today: Timestamp.now.calendarDate)
        return renderer.page("list-opportunities", Page(frame: frame(caller, sessionToken: token, title: "Deals", area: "deals"), body: body))
    }

    @Sendable func showContactList(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        let params = ListParameters(request)
        let query = params.contactQuery
        let store = ListStore()
        if params.wantsCSV {
            let result = try await services.pool.withConnection { try await store.contacts($0, visibleTo: caller, query: query, all: true) }
            let rows = result.rows.map { r in
                [r.name, r.account, r.title ?? "", r.email ?? "", r.phone ?? "", r.buyingRole.map { Formatting.label($0.rawValue) } ?? "",
                 r.doNotContact ? "yes" : "no"]
            }
            return Self.csvResponse(CSV.write(header: ["name", "account", "title", "email", "phone", "buyingRole", "doNotContact"], rows: rows),
                                    filename: "contacts.csv")
        }
        let result = try await services.pool.withConnection { try await store.contacts($0, visibleTo: caller, query: query) }
        let body = ContactListPage(query: query, params: params, result: result)
        return renderer.page("list-contacts", Page(frame: frame(caller, sessionToken: token, title: "Contacts", area: "contacts"), body: body))
    }

    static func csvResponse(_ text: String, filename: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The address's filters, read leniently: a value that does not parse is left out
/// (and shown as typed), so a half-typed filter never fails the page.
struct ListParameters: Sendable {
    var values: [(String, String)]

    init(_ request: Request) {
        values = QueryParameters.pairs(request.uri.query).map { ($0.name, $0.value) }.filter { !$0.1.trimmed.isEmpty }
    }

    subscript(_ name: String) -> String? { values.last { $0.0 == name }?.1.trimmed }

    var wantsCSV: Bool { self["format"] == "csv" }

    /// An amount as people type it: `1,200,000` or `1 200 000.50`.
    static func amount(_ text: String?) -> Decimal? {
        guard let text else { return nil }
        let plain = text.filter { $0 != "," && $0 != " " && $0 != "\u{00A0}" }
        guard !plain.isEmpty, plain.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return Decimal(string: plain)
    }

    var opportunityQuery: OpportunityListQuery {
        var q = OpportunityListQuery()
        q.text = self["q"]
        q.ownerID = self["owner"].flatMap { Int64($0) }
        q.stage = self["stage"]
        q.kind = self["kind"].flatMap(OpportunityKind.init(rawValue:))
        q.closingFrom = self["closeFrom"].flatMap { CalendarDate($0) }
        q.closingTo = self["closeTo"].flatMap { CalendarDate($0) }
        q.amountMin = Self.amount(self["amountMin"])
        q.amountMax = Self.amount(self["amountMax"])
        if let status = self["status"], ["open", "won", "lost", "all"].contains(status) { q.status = status }
        if let sort = self["sort"].flatMap(OpportunityListQuery.Sort.init(rawValue:)) { q.sort = sort }
        q.descending = self["dir"] == "desc"
        q.page = self["page"].flatMap { Int($0) }.map { max($0, 1) } ?? 1
        return q
    }

    var contactQuery: ContactListQuery {
        var q = ContactListQuery()
        q.text = self["q"]
        q.accountID = self["account"].flatMap { Int64($0) }
        q.buyingRole = self["role"].flatMap(BuyingRole.init(rawValue:))
        q.page = self["page"].flatMap { Int($0) }.map { max($0, 1) } ?? 1
        return q
    }

    /// This view's address with some parameters changed (nil drops one): paging and
    /// sorting keep every filter.
    func link(_ path: String, _ changes: [String: String?]) -> String {
        var kept = values.filter { changes[$0.0] == nil }
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) { if let value { kept.append((name, value)) } }
        guard !kept.isEmpty else { return path }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return path + "?" + kept.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }
}

struct ListOption: Sendable { var value: String; var label: String; var selected: Bool }

struct ListPaging: Sendable {
    var summary: String
    var previous: String?
    var next: String?
    var csv: String

    init(params: ListParameters, path: String, page: Int, pageSize: Int, count: Int) {
        let first = count == 0 ? 0 : (page - 1) * pageSize + 1
        let last = min(page * pageSize, count)
        summary = count == 0 ? "Nothing matches" : "\(first)–\(last) of \(count)"
        previous = page > 1 ? params.link(path, ["page": String(page - 1)]) : nil
        next = last < count ? params.link(path, ["page": String(page + 1)]) : nil
        csv = params.link(path, ["page": nil, "format": "csv"])
    }
}

struct OpportunityListPage: Sendable {
    struct Row: Sendable {
        var id: Int64; var name: String; var accountId: Int64; var account: String; var stage: String; var kind: String
        var amount: String; var closeDate: String; var owner: String
    }
    struct Header: Sendable { var label: String; var href: String; var sorted: String; var numeric: Bool }
    var rows: [Row]
    var empty: Bool
    var count, total: String
    var paging: ListPaging
    var headers: [Header]
    var q: String; var amountMin: String; var amountMax: String; var closeFrom: String; var closeTo: String
    var stages: [ListOption]; var owners: [ListOption]; var kinds: [ListOption]; var statuses: [ListOption]
    var thisQuarter: String

    init(query: OpportunityListQuery, params: ListParameters, currency: String, result: ListResult<OpportunityListRow>,
         stages: [ListOption], owners: [ListOption]) {
        let path = Site.opportunities()
        rows = result.rows.map {
            Row(id: $0.id, name: $0.name, accountId: $0.accountID, account: $0.account, stage: $0.stage, kind: Formatting.label($0.kind.rawValue),
                amount: Formatting.money($0.amount, currency: currency), closeDate: Formatting.date($0.closeDate), owner: $0.owner)
        }
        empty = result.rows.isEmpty
        count = result.count == 1 ? "1 deal" : "\(result.count) deals"
        total = Formatting.money(result.total, currency: currency)
        paging = ListPaging(params: params, path: path, page: query.page, pageSize: OpportunityListQuery.pageSize, count: result.count)
        let columns: [(String, OpportunityListQuery.Sort?, Bool)] = [
            ("Deal", .name, false), ("Account", .account, false), ("Stage", nil, false), ("Kind", nil, false),
            ("Amount", .amount, true), ("Close date", .close, false), ("Owner", nil, false),
        ]
        headers = columns.map { label, sort, numeric in
            guard let sort else { return Header(label: label, href: "", sorted: "none", numeric: numeric) }
            let current = query.sort == sort
            let descending = current && !query.descending
            return Header(label: label, href: params.link(path, ["sort": sort.rawValue, "dir": descending ? "desc" : nil, "page": nil]),
                          sorted: current ? (query.descending ? "descending" : "ascending") : "none", numeric: numeric)
        }
        q = query.text ?? ""
        amountMin = params["amountMin"] ?? ""
        amountMax = params["amountMax"] ?? ""
        closeFrom = query.closingFrom?.description ?? ""
        closeTo = query.closingTo?.description ?? ""
        self.stages = stages
        self.owners = owners
        kinds = OpportunityKind.allCases.map { ListOption(value: $0.rawValue, label: Formatting.label($0.rawValue), selected: $0 == query.kind) }
        statuses = ["open", "won", "lost", "all"].map { ListOption(value: $0, label: Formatting.label($0), selected: $0 == query.status) }
        thisQuarter = ""
    }

    /// "My open deals closing this quarter": a ready view, as a link.
    static func myQuarter(callerID: Int64, today: CalendarDate) -> String {
        let startMonth = (today.month - 1) / 3 * 3 + 1
        let start = CalendarDate(year: today.year, month: startMonth, day: 1)
        let next = startMonth == 10 ? CalendarDate(year: today.year + 1, month: 1, day: 1) : CalendarDate(year: today.year, month: startMonth + 3, day: 1)
        let end = next.map { CalendarDate(daysSinceEpoch: $0.daysSinceEpoch - 1) }
        return Site.opportunities() + "?owner=\(callerID)&status=open&closeFrom=\(start?.description ?? "")&closeTo=\(end?.description ?? "")"
    }
}

struct ContactListPage: Sendable {
    /// The contact as the store read it, and its buying role in words.
    struct Row: Sendable { var contact: ContactListRow; var role: String }
    var rows: [Row]
    var empty: Bool
    var count: String
    var paging: ListPaging
    var q: String
    var roles: [ListOption]

    init(query: ContactListQuery, params: ListParameters, result: ListResult<ContactListRow>) {
        rows = result.rows.map { Row(contact: $0, role: $0.buyingRole.map { Formatting.label($0.rawValue) } ?? "") }
        empty = result.rows.isEmpty
        count = result.count == 1 ? "1 contact" : "\(result.count) contacts"
        paging = ListPaging(params: params, path: Site.contacts(), page: query.page, pageSize: ContactListQuery.pageSize, count: result.count)
        q = query.text ?? ""
        roles = BuyingRole.allCases.map { ListOption(value: $0.rawValue, label: Formatting.label($0.rawValue), selected: $0 == query.buyingRole) }
    }
}
