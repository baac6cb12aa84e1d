import BatonCore
import Dates
import Hummingbird

/// Typed reading of `?name=value` filters; a value that does not parse is a 422
/// naming the parameter, never silently ignored.
struct QueryParameters {
    let request: Request

    init(_ request: Request) { self.request = request }

    func string(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
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
            throw ValidationFailure(name, "\(name) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
