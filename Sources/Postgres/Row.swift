/// The names of a result's columns, shared by all of its rows.
public final class Columns: Sendable {
    public let names: [String]
    let index: [String: Int]

    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        self.index = index
    }
}

/// One result row, its values copied out of libpq's memory as text.
public struct Row: Sendable {
    public let columns: Columns
    public let values: [String?]

    /// The value of `column` as `T`; NULL is an error unless `T` is optional.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let i = columns.index[column] else {
            throw PostgresError(code: .missingColumn, message: "no column named \(column) in the result")
        }
        guard let text = values[i] else { return try T.decodeNull(column: column) }
        do {
            return try T(postgresText: text)
        } catch {
            var e = error
            e.column = column
            e.message = "column \(column): " + e.message
            throw e
        }
    }

    public func isNull(_ column: String) -> Bool {
        guard let i = columns.index[column] else { return true }
        return values[i] == nil
    }
}

/// What a statement returned: its rows, and how many rows it changed.
public struct QueryResult: Sendable, Sequence {
    public let columns: Columns
    public let rows: [Row]
    /// Rows inserted, updated, deleted or copied (libpq's `PQcmdTuples`).
    public let affectedRows: Int

    public func makeIterator() -> IndexingIterator<[Row]> { rows.makeIterator() }

    public var first: Row? { rows.first }
    public var count: Int { rows.count }
    public var isEmpty: Bool { rows.isEmpty }

    /// Each row decoded by `transform`.
    public func map<T>(_ transform: (Row) throws -> T) rethrows -> [T] {
        try rows.map(transform)
    }
}
