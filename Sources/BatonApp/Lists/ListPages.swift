import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import Postgres

/// The list views (issue 19, item 4): accounts, contacts, deals and projects as
/// tables with the columns one picks, filters, a sort, the count and total of the
/// whole view, pages that keep the filters, saved views beside the list, and the same
/// view as CSV (`?format=csv`). Every kind goes through the same handler; what
/// differs is its `ListSpec`.
extension WebRoutes {

    @Sendable func showOpportunityList(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await showList(.opportunities, request, context)
    }

    @Sendable func showContactList(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await showList(.contacts, request, context)
    }

    func showList(_ kind: ListKind, _ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard kind.readable(by: caller) else { return forbidden() }
        let params = ListParameters(request)
        if params.wantsCSV { return try ListCSV.response(kind, params, caller: caller, pool: services.pool) }
        return try await listResponse(kind, params, caller, token)
    }

    /// The list page of a kind, or (a saved view refused) the same page with the reason.
    func listResponse(_ kind: ListKind, _ params: ListParameters, _ caller: Caller, _ token: String,
                      refusal: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        var body = try await services.pool.withConnection { try await listBody($0, kind, params, caller: caller) }
        body.refusal = refusal
        body.action = kind == .opportunities ? .init(label: "Board", href: Site.pipeline()) : nil
        let area = kind == .opportunities ? "deals" : kind.rawValue
        return renderer.page("list", Page(frame: frame(caller, sessionToken: token, title: body.title, area: area), body: body),
                             status: body.hasError ? .unprocessableContent : status)
    }

    /// The list part of a page: the view the address asks for, drawn.
    func listBody(_ db: Connection, _ kind: ListKind, _ params: ListParameters, caller: Caller) async throws -> ListPage {
        let store = ListStore()
        let spec = kind.spec
        var choices: [String: [(value: String, label: String)]] = [:]
        for filter in spec.filters {
            if case .choice(let source, _) = filter.control { choices[filter.key] = try await store.choices(db, source) }
        }
        let saved = try await store.views(db, of: caller.id, kind: kind)
        do {
            let view = try params.view(spec, caller: caller)
            let result = try await store.page(db, view, caller: caller)
            var page = ListPage(spec: spec, view: view, params: params, result: result, choices: choices, saved: saved, caller: caller,
                                currency: services.configuration.currency)
            page.narrowed = try await narrowedToAccount(db, spec, params)
            return page
        } catch let failure as ValidationFailure {
            // A filter the API would refuse (a project status it does not know): the page
            // says so with the API's words and shows nothing rather than everything.
            var page = ListPage(spec: spec, view: ListView(spec: spec, conditions: [], columns: spec.columns.filter(\.standard),
                                                           sort: spec.column(spec.sort) ?? spec.columns[0]),
                                params: params, result: ListResult(rows: [], count: 0, total: 0), choices: choices, saved: saved,
                                caller: caller, currency: services.configuration.currency)
            page.error = failure.errors.map(\.message).joined(separator: " ")
            page.hasError = true
            return page
        }
    }

    /// A list opened from an account page ("Show all 1,234 deals") says whose records
    /// it holds, since its `account` filter has no control of its own, and how to widen it.
    private func narrowedToAccount(_ db: Connection, _ spec: ListSpec, _ params: ListParameters) async throws -> ListPage.Narrowed? {
        guard spec.filters.contains(where: { $0.key == "account" }), let id = params["account"].flatMap(Int64.init) else { return nil }
        // An account the caller cannot see filters to nothing, and is not named.
        let name = try await AccountStore().names(db, ids: [id])[id] ?? "an account you cannot see"
        return .init(name: name, href: Site.account(id), widen: params.link(spec.kind.path, ["account": nil, "page": nil]),
                     widenLabel: "Show \(spec.nouns) of every account")
    }

    // MARK: Saved views from the page

    /// "Save this view": the list's current parameters under a name, through the action.
    @Sendable func saveListViewForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            guard let kind = form["kind"].flatMap(ListKind.init(rawValue:)) else { return notFound() }
            let input = ListViewActions.Input(kind: kind, name: form["name"] ?? "", parameters: form["parameters"])
            do {
                let saved = try await services.pool.withTransaction { db in
                    try await ListViewActions(services: services).save(db, caller: caller, input: input)
                }
                return WebSession.redirect(ListParameters(query: saved.parameters).link(kind.path, [:]))
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                let words = failure.errors.sorted { $0.key < $1.key }.map(\.value) + failure.messages
                return try await listResponse(kind, ListParameters(query: form["parameters"]), caller, token,
                                              refusal: words.joined(separator: " "), status: failure.status)
            }
        }
    }

    @Sendable func deleteListViewForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, _, form in
            let id = try request.id(context)
            let kind = form["kind"].flatMap(ListKind.init(rawValue:)) ?? .opportunities
            try await services.pool.withTransaction { db in
                try await ListViewActions(services: services).delete(db, caller: caller, id: id)
            }
            return WebSession.redirect(kind.path)
        }
    }
}

/// A list view as CSV, for the page's link (`?format=csv`) and the API's export of a saved view.
enum ListCSV {
    /// The view as CSV: the same filters and sort, the shown columns, every row the
    /// caller sees, written as it is read (a cursor, 2,000 rows at a time).
    static func response(_ kind: ListKind, _ params: ListParameters, caller: Caller, pool: ConnectionPool) throws -> Response {
        let view = try params.view(kind.spec, caller: caller)
        // The body is written after the handler returns: it runs under the same
        // database role (row-level security) as the request did.
        let role = ActingRole.current
        let body = ResponseBody { writer in
            try await ActingRole.$current.withValue(role) {
                try await pool.withTransaction { db in
                    var header: [String]? = view.columns.map(\.key)
                    try await ListStore().each(db, view, caller: caller) { rows in
                        let records = rows.map { ListCSV.record($0, view) }
                        let text = header.map { CSV.write(header: $0, rows: records) }
                            ?? CSV.write(header: records[0], rows: Array(records.dropFirst()))
                        header = nil
                        try await writer.write(ByteBuffer(string: text))
                    }
                    if let header { try await writer.write(ByteBuffer(string: CSV.write(header: header, rows: []))) }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"\(kind.rawValue).csv\""], body: body)
    }

    /// A row as the CSV writes it: money and dates as stored, enumerations in words.
    static func record(_ row: ListRow, _ view: ListView) -> [String] {
        zip(view.columns, row.cells).map { column, cell in
            guard let cell else { return "" }
            switch column.style {
            case .label, .status: return Formatting.label(cell)
            case .yesNo: return cell == "true" ? "yes" : "no"
            default: return cell
            }
        }
    }
}

/// The address's filters, read leniently: a value that does not parse is left out
/// (and shown as typed), so a half-typed filter never fails the page.
struct ListParameters: Sendable {
    var values: [(String, String)]

    init(_ request: Request) { self.init(query: request.uri.query) }

    init(query: String?) {
        values = QueryParameters.pairs(query).map { ($0.name, $0.value) }.filter { !$0.1.trimmed.isEmpty }
    }

    subscript(_ name: String) -> String? { values.last { $0.0 == name }?.1.trimmed }

    func all(_ name: String) -> [String] { values.filter { $0.0 == name }.map { $0.1.trimmed } }

    var wantsCSV: Bool { self["format"] == "csv" }

    /// An amount as people type it: `1,200,000` or `1 200 000.50`.
    static func amount(_ text: String?) -> Decimal? {
        guard let text else { return nil }
        let plain = text.filter { $0 != "," && $0 != " " && $0 != "\u{00A0}" }
        guard !plain.isEmpty, plain.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return Decimal(string: plain)
    }

    /// The view these parameters ask for. Columns and a sort the kind does not have are
    /// ignored; with no columns named, the kind's standard ones are shown.
    func view(_ spec: ListSpec, caller: Caller) throws -> ListView {
        var conditions: [Query] = []
        for filter in spec.filters {
            guard let value = self[filter.key] ?? filter.standard, let condition = try filter.condition(value, caller) else { continue }
            conditions.append(condition)
        }
        let named = Set(all("col"))
        let columns = named.isEmpty ? spec.columns.filter(\.standard) : spec.columns.filter { named.contains($0.key) }
        let standardSort = spec.column(spec.sort) ?? spec.columns[0]
        let sort = self["sort"].flatMap { spec.column($0) }.flatMap { $0.sort == nil ? nil : $0 } ?? standardSort
        return ListView(spec: spec, conditions: conditions, columns: columns.isEmpty ? spec.columns.filter(\.standard) : columns,
                        sort: sort, descending: self["dir"] == "desc", page: self["page"].flatMap { Int($0) }.map { max($0, 1) } ?? 1,
                        quickSummary: spec.quickSummary?(self, caller))
    }

    /// What a saved view keeps: the kind's filters, the columns and the sort, not the
    /// page it was on or "as CSV".
    func saved(_ spec: ListSpec) -> String {
        // The standard columns, ticked as they come, are no choice: such a view is the
        // same as one that names none (and matches the built-in views).
        let standard = Set(all("col")) == Set(spec.columns.filter(\.standard).map(\.key))
        let known = Set(spec.filters.map(\.key) + (standard ? [] : ["col"]) + ["sort", "dir"])
        return ListParameters.encode(values.filter { known.contains($0.0) })
    }

    static func encode(_ pairs: [(String, String)]) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    /// This view's address with some parameters changed (nil drops one): paging and
    /// sorting keep every filter.
    func link(_ path: String, _ changes: [String: String?]) -> String {
        var kept = values.filter { changes[$0.0] == nil }
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) { if let value { kept.append((name, value)) } }
        return kept.isEmpty ? path : path + "?" + Self.encode(kept)
    }
}

struct ListPaging: Sendable {
    var summary: String
    var previous: String?
    var next: String?
    var csv: String

    init(params: ListParameters, path: String, page: Int, pageSize: Int, count: Int) {
        let first = count == 0 ? 0 : (page - 1) * pageSize + 1
        let last = min(page * pageSize, count)
        summary = count == 0 ? "Nothing matches" : "\(Formatting.count(first))–\(Formatting.count(last)) of \(Formatting.count(count))"
        previous = page > 1 ? params.link(path, ["page": String(page - 1)]) : nil
        next = last < count ? params.link(path, ["page": String(page + 1)]) : nil
        csv = params.link(path, ["page": nil, "format": "csv"])
    }
}

/// A list drawn: the filter form, the column picker, the views, the table, the pages.
struct ListPage: Sendable {
    struct Field: Sendable {
        var key, label, value, placeholder: String
        var search = false, text = false, date = false, amount = false, check = false, choice = false, hidden = false, checked = false
        /// The choice meaning "no filter" ("Anyone"), when there is one; a hidden filter's value when set.
        /// (Optional: Mustache draws a section for an empty string too.)
        var anyLabel, kept: String?
        var options: [Choice] = []
    }
    struct ColumnChoice: Sendable { var key, label: String; var shown: Bool }
    struct Header: Sendable { var label: String; var href: String?; var sorted: String; var numeric: Bool }
    struct Cell: Sendable {
        var label, text: String
        var href: String?
        var numeric = false, email = false, phone = false, progress = false, plain = true
        /// "num" for money (right-aligned), "nowrap" for money and dates: never "USD"
        /// above "240,750.00".
        var cssClass: String?
        var statusClass: String?
        var done = 0, total = 0
    }
    struct Row: Sendable { var id: Int64; var name: String; var cells: [Cell] }
    struct ViewLink: Sendable { var id: Int64; var name, href: String; var current: Bool }
    struct Action: Sendable { var label, href: String }
    /// The one account a list is narrowed to, with the way back to every account's.
    struct Narrowed: Sendable { var name, href, widen, widenLabel: String }

    var kind, title, path: String
    var fields: [Field]
    var columns: [ColumnChoice]
    var headers: [Header]
    var rows: [Row]
    var empty: Bool
    var count, total: String
    var hasTotal: Bool
    var paging: ListPaging
    var sort, dir: String?
    var builtIn, saved: [ViewLink]
    var hasSaved: Bool
    var parameters: String
    var refusal: String?
    /// How many filters narrow the view beyond the kind's standard ones: the folded
    /// "Views and filters" on a phone says so, since the filters themselves are hidden.
    var filtersOn: String?
    var error = ""
    var hasError = false
    var action: Action?
    var narrowed: Narrowed?

    init(spec: ListSpec, view: ListView, params: ListParameters, result: ListResult, choices: [String: [(value: String, label: String)]],
         saved: [ListViewRecord], caller: Caller, currency: String) {
        let path = spec.kind.path
        kind = spec.kind.rawValue
        title = spec.title
        self.path = path
        fields = spec.filters.map { filter in
            let value = params[filter.key] ?? ""
            var field = Field(key: filter.key, label: filter.label, value: value, placeholder: "")
            switch filter.control {
            case .search(let placeholder): field.search = true; field.placeholder = placeholder
            case .text(let placeholder): field.text = true; field.placeholder = placeholder
            case .date: field.date = true
            case .amount: field.amount = true; field.placeholder = filter.key.hasSuffix("Min") ? "like 50,000" : ""
            case .check: field.check = true; field.checked = value == "yes"
            case .hidden: field.hidden = true; field.kept = params[filter.key]
            case .choice(_, let any):
                field.choice = true
                field.anyLabel = any
                let chosen = params[filter.key] ?? filter.standard
                field.options = (choices[filter.key] ?? []).map { Choice(value: $0.value, label: $0.label, selected: $0.value == chosen) }
            }
            return field
        }
        let narrowing = spec.filters.filter { filter in
            if case .hidden = filter.control { return false }
            guard let value = params[filter.key], !value.isEmpty else { return false }
            return value != filter.standard
        }.count
        filtersOn = narrowing == 0 ? nil : narrowing == 1 ? "1 filter on" : "\(narrowing) filters on"
        let shown = Set(view.columns.map(\.key))
        columns = spec.columns.map { ColumnChoice(key: $0.key, label: $0.label, shown: shown.contains($0.key)) }
        headers = view.columns.map { column in
            guard column.sort != nil else { return Header(label: column.label, href: nil, sorted: "none", numeric: column.numeric) }
            let current = view.sort.key == column.key
            let descending = current && !view.descending
            return Header(label: column.label, href: params.link(path, ["sort": column.key, "dir": descending ? "desc" : nil, "page": nil]),
                          sorted: current ? (view.descending ? "descending" : "ascending") : "none", numeric: column.numeric)
        }
        rows = result.rows.map { row in
            let cells = zip(view.columns, zip(row.cells, row.links)).map { column, value in
                ListPage.cell(column, value.0, link: value.1, currency: currency)
            }
            return Row(id: row.id, name: cells.first?.text ?? "", cells: cells)
        }
        empty = result.rows.isEmpty
        count = result.count == 1 ? "1 \(spec.noun)" : "\(Formatting.count(result.count)) \(spec.nouns)"
        total = Formatting.money(result.total, currency: currency)
        hasTotal = spec.total != nil
        paging = ListPaging(params: params, path: path, page: view.page, pageSize: ListView.pageSize, count: result.count)
        sort = params["sort"]
        dir = params["dir"]
        let current = params.saved(spec)
        func link(_ parameters: String) -> String { parameters.isEmpty ? path : path + "?" + parameters }
        builtIn = spec.builtIn(for: caller, today: Timestamp.now.calendarDate).enumerated().map {
            ViewLink(id: Int64($0.offset), name: $0.element.name, href: link($0.element.parameters), current: $0.element.parameters == current)
        }
        self.saved = saved.map { ViewLink(id: $0.id, name: $0.name, href: link($0.parameters), current: $0.parameters == current) }
        hasSaved = !saved.isEmpty
        parameters = current
    }

    /// One value as the page shows it: money, dates and enumerations through the one
    /// formatter, links to the record, mailto and tel links.
    static func cell(_ column: ListColumn, _ value: String?, link: Int64?, currency: String) -> Cell {
        var cell = Cell(label: column.label, text: value ?? "", href: nil, numeric: column.numeric)
        cell.cssClass = column.style == .money ? "num nowrap" : column.style == .date ? "nowrap" : nil
        if let target = column.link, let id = link { cell.href = target.path + String(id) + target.fragment }
        guard let value else { return cell }
        switch column.style {
        case .money: cell.text = Decimal(string: value).map { Formatting.money($0, currency: currency) } ?? value
        case .date: cell.text = CalendarDate(value).map(Formatting.date) ?? value
        case .label: cell.text = Formatting.label(value)
        case .yesNo: cell.text = value == "true" ? "Yes" : "No"
        case .email: cell.email = true; cell.plain = false
        case .phone: cell.phone = true; cell.plain = false
        case .status: cell.text = Formatting.label(value); cell.statusClass = "status-" + value; cell.plain = false
        case .progress:
            let parts = value.split(separator: "/").compactMap { Int($0) }
            cell.progress = parts.count == 2
            cell.plain = !cell.progress
            if parts.count == 2 { (cell.done, cell.total) = (parts[0], parts[1]) }
        case .text: break
        }
        return cell
    }
}

/// The table's cells and rows answer the template by name. Mustache otherwise reflects the
/// whole struct (`Mirror`) for every value it reads, and for an absent one (no link, no
/// class: most cells) climbs to the row, the page and the frame and reflects each of them
/// too: 50 rows of seven cells took 100-150 ms of a debug build's time, the database 3.
/// An absent value answers `false`, so the search stops at the cell and the section is
/// skipped; a name the cell does not have (`name`, under a progress bar) climbs as before.
extension ListPage.Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "text": text
        case "href": Self.shown(href)
        case "numeric": numeric
        case "email": email
        case "phone": phone
        case "progress": progress
        case "plain": plain
        case "cssClass": Self.shown(cssClass)
        case "statusClass": Self.shown(statusClass)
        case "done": done
        case "total": total
        default: nil
        }
    }

    private static func shown(_ value: String?) -> Any { value.map { $0 as Any } ?? false }
}

extension ListPage.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "cells": cells
        default: nil
        }
    }
}
