import Dates
import Foundation

/// Reads one record's cells as typed values, collecting an issue for every cell that
/// is wrong instead of stopping at the first, so a person can fix a row in one pass.
struct ImportRowReader {
    static let nameLimit = 200
    static let textLimit = 500

    let line: Int
    private let fields: [String]
    /// Values mapped by hand, by column index and `ImportValues.choiceKey` of the value.
    private let mapping: [Int: [String: String]]
    private(set) var issues: [ImportIssue] = []
    /// Values of choice columns that are none of the accepted ones.
    private(set) var unmapped: [UnmappedValue] = []

    init(_ record: CSVRecord, mapping: [Int: [String: String]] = [:]) {
        line = record.line
        fields = record.fields
        self.mapping = mapping
    }

    mutating func flag(_ column: MatchedColumn, _ message: String) {
        issues.append(ImportIssue(line: line, field: column.header, message: message))
    }

    /// The cell trimmed, with our own export's formula neutralising undone, and read as
    /// the value it is mapped to when the import maps it; nil when the column is absent
    /// or the cell empty.
    func cell(_ column: MatchedColumn?) -> String? {
        guard let column, column.index < fields.count else { return nil }
        let value = CSV.restoreNeutralised(ImportValues.trim(fields[column.index]))
        if !mapping.isEmpty, let values = mapping[column.index], let mapped = values[ImportValues.choiceKey(value)] {
            return mapped.isEmpty ? nil : mapped
        }
        return value.isEmpty ? nil : value
    }

    /// A value that is none of `accepted`: a row error that names the value and the
    /// accepted ones, and a value the person may map.
    mutating func unknown(_ column: MatchedColumn, _ label: String, _ raw: String, accepted: [String]) {
        flag(column, Self.unknownMessage(label, raw, accepted: accepted))
        unmapped.append(UnmappedValue(column: column.header, value: raw, accepted: accepted))
    }

    static func unknownMessage(_ label: String, _ raw: String, accepted: [String]) -> String {
        "\(label) \"\(raw)\" is not one of \(accepted.joined(separator: ", ")); change the cell or map the value to one of them"
    }

    /// Free text up to a length limit.
    mutating func text(_ column: MatchedColumn?, _ label: String, limit: Int = textLimit) -> String? {
        guard let column, let value = cell(column) else { return nil }
        return checkLength(value, column, label, limit: limit)
    }

    private mutating func checkLength(_ value: String, _ column: MatchedColumn, _ label: String, limit: Int) -> String? {
        // UTF-8 length bounds the character count, and is free to read.
        guard value.utf8.count <= limit || value.count <= limit else {
            flag(column, "\(label) must be at most \(limit) characters")
            return nil
        }
        return value
    }

    /// A required name: present and at most 200 characters.
    mutating func name(_ column: MatchedColumn) -> String {
        guard let value = cell(column) else {
            flag(column, "Name must not be empty")
            return ""
        }
        return checkLength(value, column, "Name", limit: Self.nameLimit) ?? ""
    }

    /// A contact's name: the name column when filled in, else first and last name.
    mutating func personName(name: MatchedColumn?, first: MatchedColumn?, last: MatchedColumn?) -> String {
        let reportAt = name ?? last ?? first
        let joined = [cell(first), cell(last)].compactMap { $0 }.joined(separator: " ")
        guard let value = cell(name) ?? (joined.isEmpty ? nil : joined) else {
            if let reportAt { flag(reportAt, "Name must not be empty") }
            return ""
        }
        guard let reportAt else { return value }
        return checkLength(value, reportAt, "Name", limit: Self.nameLimit) ?? ""
    }

    /// An id of this record or of a record it refers to, in its stored form (`sf:…`, `hs:…`).
    mutating func externalId(_ column: MatchedColumn?, _ label: String) -> String? {
        guard let column, let raw = text(column, label) else { return nil }
        return ExternalIds.stored(raw, column: column)
    }

    /// One of a fixed set of values, given as `[choice key: our value]`.
    mutating func choice(_ column: MatchedColumn?, _ label: String, _ values: [String: String], accepted: [String]) -> String? {
        guard let column, let raw = cell(column) else { return nil }
        guard let value = values[ImportValues.choiceKey(raw)] else {
            unknown(column, label, raw, accepted: accepted)
            return nil
        }
        return value
    }

    mutating func amount(_ column: MatchedColumn?) -> Decimal? {
        guard let column, let raw = cell(column) else { return nil }
        switch ImportValues.amount(raw) {
        case .amount(let value): return value
        case .notANumber: flag(column, "Amount must be a number, like 84000.00")
        case .negative: flag(column, "Amount must be zero or more")
        case .tooManyDecimals: flag(column, "Amount must have at most two decimals")
        }
        return nil
    }

    mutating func date(_ column: MatchedColumn?, _ label: String) -> CalendarDate? {
        read(column, ImportValues.date, otherwise: "\(label) must be a real date, like 2026-12-15")
    }

    mutating func probability(_ column: MatchedColumn?) -> Decimal? {
        read(column, ImportValues.probability, otherwise: "Probability must be a number from 0 to 100, like 60")
    }

    /// A filled-in cell as `parse` reads it, or the row error `otherwise` when it cannot.
    private mutating func read<Value>(_ column: MatchedColumn?, _ parse: (String) -> Value?, otherwise message: String) -> Value? {
        guard let column, let raw = cell(column) else { return nil }
        guard let value = parse(raw) else {
            flag(column, message)
            return nil
        }
        return value
    }

    mutating func email(_ column: MatchedColumn?) -> String? {
        guard let column, let value = text(column, "Email") else { return nil }
        guard value.utf8.contains(UInt8(ascii: "@")) else {
            flag(column, "Email must be an email address, like ana@example.com")
            return nil
        }
        return value
    }

    mutating func website(_ column: MatchedColumn?) -> String? {
        guard let column, let raw = text(column, "Domain") else { return nil }
        return ImportValues.domain(raw)
    }

    /// A yes-or-no cell; empty is no.
    mutating func yesNo(_ column: MatchedColumn?, _ label: String) -> Bool {
        guard let column, let raw = cell(column) else { return false }
        guard let value = ImportValues.bool(raw) else {
            unknown(column, label, raw, accepted: ["true", "false"])
            return false
        }
        return value
    }
}
