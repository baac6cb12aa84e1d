import Foundation

/// A parsed CSV file: the header's column names and the records under it.
public struct CSVTable: Sendable, Equatable {
    /// The first line's column names, trimmed of surrounding spaces.
    public var header: [String]
    /// Every non-blank record after the header, each padded to the header's width.
    public var records: [CSVRecord]

    public init(header: [String], records: [CSVRecord]) {
        self.header = header
        self.records = records
    }
}

/// One record of a CSV file and where it starts, so a problem can be reported by line.
public struct CSVRecord: Sendable, Equatable {
    /// The 1-based physical line the record starts on (the header is line 1). A quoted
    /// field with line breaks inside makes later records start on later lines.
    public var line: Int
    public var fields: [String]

    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A file that cannot be read as CSV at all, said so that a person can fix it.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line the problem is on, when there is one.
    public var line: Int?
    public var message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { message }
}

/// RFC 4180 CSV: comma separated, `"` quoted with `""` inside, CRLF or LF line ends.
public enum CSV {
    /// Reads a whole file. Accepts a UTF-8 byte order mark (Excel's "CSV UTF-8" writes
    /// one), a missing final newline and blank lines; refuses anything ambiguous rather
    /// than guessing, because a misread column silently corrupts an import.
    public static func parse(_ data: Data) throws(CSVError) -> CSVTable {
        var reader = CSVReader()
        var records = try reader.read(data)
        records += try reader.finish()
        return CSVTable(header: reader.header ?? [], records: records)
    }

    /// Reads CSV text that is already a string (tests, pasted text).
    public static func parse(_ text: String) throws(CSVError) -> CSVTable {
        try parse(Data(text.utf8))
    }

    /// The key a column name is matched by: case, spaces and underscores do not count,
    /// so `"Billing City"`, `"billingcity"` and `"billing_city"` are one column.
    static func columnKey(_ name: some StringProtocol) -> String {
        var key = ""
        key.reserveCapacity(name.utf8.count)
        for c in name.lowercased() where !c.isWhitespace && c != "_" {
            key.append(c)
        }
        return key
    }
}
