import BatonCore
import Dates
import Foundation
import Hummingbird

/// Typed reading of `?name=value` filters; a value that does not parse is a 422
/// naming the parameter, never silently ignored. In the API an empty value never
/// gets here (`EmptyQueryValueMiddleware` answers 400 first); the pages' forms
/// send an empty field for "any", so for them empty reads as absent.
struct QueryParameters {
    let request: Request

    init(_ request: Request) { self.request = request }

    func string(_ name: String) -> String? {
        Self.pairs(request.uri.query).first { $0.name == name }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The query's pairs as an HTML form sends them: `+` is a space, then `%XX` is a
    /// byte, so that "Bulk+deal" searches for "Bulk deal" while a typed "%2B" stays a
    /// plus. (Hummingbird's `queryParameters` keeps the `+`.)
    static func pairs(_ query: String?) -> [(name: String, value: String)] {
        func decode(_ part: Substring) -> String {
            let spaced = part.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        return (query ?? "").split(separator: "&").compactMap { pair in
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = halves.first else { return nil }
            return (decode(name), halves.count == 2 ? decode(halves[1]) : "")
        }
    }

    func id(_ name: String) throws -> Int64? {
        guard let text = string(name) else { return nil }
        guard let id = Int64(text), id > 0 else { throw ValidationFailure(name, "\(name) must be a positive whole number") }
        return id
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = string(name) else { return nil }
        guard let b = Bool(text.lowercased()) else { throw ValidationFailure(name, "\(name) must be true or false") }
        return b
    }

    func date(_ name: String) throws -> CalendarDate? {
        guard let text = string(name) else { return nil }
        guard let d = CalendarDate(text) else { throw ValidationFailure(name, "\(name) must be a real date written YYYY-MM-DD") }
        return d
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws -> E? where E.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = E(rawValue: text) else {
            // In the words a body's enum error uses (`APIEnumerations`): "Metric must be one of …".
            throw ValidationFailure(name, "\(APIEnumerations.label(name)) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

/// The API's one rule for `?name=` with nothing after the `=`: a 400 naming each
/// such parameter, for every endpoint alike, instead of a default the client did
/// not ask for. `q` (free text: empty matches everything) and `cursor` (empty is
/// the first page, as the contract has always said) are the exceptions. Runs
/// after authentication, so that a caller who is not signed in still gets 401.
struct EmptyQueryValueMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext

    static let emptyAllowed: Set<String> = ["q", "cursor"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if context.caller != nil, let problem = Self.problem(request.uri.queryParameters) { throw problem }
        return try await next(request, context)
    }

    static func problem(_ parameters: Parameters) -> APIError? {
        var names: [String] = []
        for (name, value) in parameters where value.isEmpty {
            let name = String(name)
            if !emptyAllowed.contains(name), !names.contains(name) { names.append(name) }
        }
        guard !names.isEmpty else { return nil }
        let list = names.joined(separator: ", ")
        return APIError(
            .badRequest, code: "empty-parameter", title: "Bad request",
            detail: names.count == 1
                ? "The query parameter \(list) is empty; give it a value, or leave it out for the default."
                : "The query parameters \(list) are empty; give each a value, or leave it out for the default.",
            errors: names.map { FieldError($0, "\($0) must not be empty; leave it out for the default") })
    }
}
