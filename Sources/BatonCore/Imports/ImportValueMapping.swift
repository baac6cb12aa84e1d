import Foundation

/// Values a person maps by hand for one import: for a column (by the file's own
/// header), which of its values stand for which of ours, as in
/// `{"Type": {"Partner Deal": "new_business"}}`. A mapped cell is read as if it held
/// the target, so the target must itself be a value Baton accepts there. Columns and
/// values are matched ignoring case, spaces and punctuation, like headers and choices.
public struct ImportValueMapping: Sendable, Equatable {
    /// `CSV.columnKey(header)` → `ImportValues.choiceKey(value)` → the value to read instead.
    var byColumn: [String: [String: String]]
    /// The columns as the mapping names them, for a warning when the file has no such column.
    var columnNames: [String: String]

    public static let none = ImportValueMapping(byColumn: [:], columnNames: [:])

    public init(_ mapping: [String: [String: String]]) {
        var byColumn: [String: [String: String]] = [:]
        var names: [String: String] = [:]
        for (column, values) in mapping {
            let key = CSV.columnKey(column)
            names[key] = column
            for (from, to) in values {
                byColumn[key, default: [:]][ImportValues.choiceKey(from)] = to
            }
        }
        self.init(byColumn: byColumn, columnNames: names)
    }

    private init(byColumn: [String: [String: String]], columnNames: [String: String]) {
        self.byColumn = byColumn
        self.columnNames = columnNames
    }

    public var isEmpty: Bool { byColumn.isEmpty }

    /// Reads `{"column": {"value": "target", …}, …}`; nil for anything else.
    public static func parse(json: String) -> ImportValueMapping? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
        var mapping: [String: [String: String]] = [:]
        for (column, values) in object {
            guard let values = values as? [String: Any] else { return nil }
            var strings: [String: String] = [:]
            for (from, to) in values {
                guard let to = to as? String else { return nil }
                strings[from] = to
            }
            mapping[column] = strings
        }
        return ImportValueMapping(mapping)
    }

    /// The mapping of each column of `header`, by its index.
    func byIndex(_ header: [String]) -> [Int: [String: String]] {
        var out: [Int: [String: String]] = [:]
        for (i, name) in header.enumerated() {
            if let values = byColumn[CSV.columnKey(name)] { out[i] = values }
        }
        return out
    }

    /// Columns the mapping names that the file does not have.
    func missing(from header: [String]) -> [String] {
        let keys = Set(header.map { CSV.columnKey($0) })
        return byColumn.keys.filter { !keys.contains($0) }.map { columnNames[$0] ?? $0 }.sorted()
    }
}

/// A value in a file that Baton could not read as one of the accepted ones: what a
/// person maps on the import page, or in a request's `mapping`.
public struct UnmappedValue: Sendable, Equatable, Hashable, Codable {
    /// The file's own column header.
    public var column: String
    public var value: String
    /// The values that column accepts.
    public var accepted: [String]
    /// How many rows have this value (in a report; 1 for one row).
    public var rows: Int

    public init(column: String, value: String, accepted: [String], rows: Int = 1) {
        self.column = column
        self.value = value
        self.accepted = accepted
        self.rows = rows
    }
}
