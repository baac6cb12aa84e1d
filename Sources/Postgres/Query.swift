/// A SQL statement whose values travel as `$N` parameters, never inside the text.
///
/// Interpolating a value appends a placeholder and a bind:
///
///     let q: Query = "SELECT id FROM users WHERE email = \(email) AND active = \(true)"
///     // text: SELECT id FROM users WHERE email = $1 AND active = $2
///
/// An optional value that is `nil` binds NULL. Fixed SQL text that is not a literal
/// (a column chosen from a closed list, say) goes in through `\(unsafeSQL:)`, a name
/// meant to stand out in review. Queries compose with `+` and `append`, and the
/// placeholders are numbered only when the text is finally rendered.
public struct Query: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Part: Sendable {
        case text(String)
        case bind(String?)
    }

    var parts: [Part]

    public init(stringLiteral value: String) {
        parts = [.text(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
    }

    /// SQL text from outside a literal. Never pass user input here.
    public init(unsafeSQL sql: String) {
        parts = [.text(sql)]
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            parts.append(.text(literal))
        }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            parts.append(.bind(value.postgresText))
        }

        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            parts.append(.bind(value?.postgresText))
        }

        /// Fixed SQL text, such as a column name chosen from a closed list.
        public mutating func appendInterpolation(unsafeSQL sql: String) {
            parts.append(.text(sql))
        }

        /// Another query, its binds renumbered in place.
        public mutating func appendInterpolation(_ query: Query) {
            parts.append(contentsOf: query.parts)
        }
    }

    public mutating func append(_ other: Query) {
        parts.append(contentsOf: other.parts)
    }

    public static func + (lhs: Query, rhs: Query) -> Query {
        var q = lhs
        q.append(rhs)
        return q
    }

    /// Joins queries with a separator, as in a list of conditions.
    public static func join(_ queries: [Query], separator: String) -> Query {
        var result = Query(unsafeSQL: "")
        for (i, q) in queries.enumerated() {
            if i > 0 { result.parts.append(.text(separator)) }
            result.append(q)
        }
        return result
    }

    /// The text with `$1…$N` placeholders, and the values in the same order.
    public var rendered: (sql: String, binds: [String?]) {
        var sql = ""
        var binds: [String?] = []
        for part in parts {
            switch part {
            case .text(let t): sql += t
            case .bind(let v):
                binds.append(v)
                sql += "$\(binds.count)"
            }
        }
        return (sql, binds)
    }

    /// The SQL text alone: values are never shown.
    public var description: String { rendered.sql }
}
