/// The byte-level CSV parser behind `CSV.parse`.
///
/// Works on raw UTF-8 bytes, not Characters: every byte that matters to CSV (`,` `"`
/// CR LF) is ASCII and cannot occur inside a multi-byte sequence, so scanning bytes is
/// both correct and fast enough for a million-row file.
struct CSVReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// The physical line `position` is on.
    private var line = 1
    /// Holds a quoted field while its `""` pairs are collapsed; reused to avoid allocating.
    private var scratch: [UInt8] = []

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func read() throws(CSVError) -> CSVTable {
        if let bad = UTF8Check.firstInvalidByte(in: bytes) {
            throw CSVError(line: lineOf(offset: bad), message: "The file is not UTF-8 text; save it as CSV UTF-8 and try again")
        }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
        }

        guard let (headerLine, rawHeader) = try nextRecord(width: 16) else {
            throw CSVError(line: nil, message: "The file is empty; its first line must name the columns")
        }
        let header = rawHeader.map(\.trimmed)
        try Self.checkHeader(header, line: headerLine)

        var records: [CSVRecord] = []
        while let (recordLine, fields) = try nextRecord(width: header.count) {
            records.append(CSVRecord(line: recordLine, fields: try Self.fit(fields, to: header.count, line: recordLine)))
        }
        return CSVTable(header: header, records: records)
    }

    private static func checkHeader(_ header: [String], line: Int) throws(CSVError) {
        guard header.contains(where: { !$0.isEmpty }) else {
            throw CSVError(line: line, message: "The first line must name the columns")
        }
        var seen: [String: String] = [:]
        for name in header where !name.isEmpty {
            let key = CSV.columnKey(name)
            if let earlier = seen[key] {
                let same = earlier == name ? "\"\(name)\" appears twice" : "\"\(earlier)\" and \"\(name)\" name the same column"
                throw CSVError(line: line, message: "The header is ambiguous: \(same); keep one of them")
            }
            seen[key] = name
        }
    }

    /// Pads a short record with empty fields. A long one is refused unless the extra
    /// fields are empty (spreadsheets often leave trailing commas); a non-empty extra
    /// field almost always means an unquoted comma shifted the columns.
    private static func fit(_ fields: [String], to width: Int, line: Int) throws(CSVError) -> [String] {
        if fields.count == width { return fields }
        if fields.count < width {
            return fields + Array(repeating: "", count: width - fields.count)
        }
        guard fields[width...].allSatisfy(\.isEmpty) else {
            throw CSVError(
                line: line,
                message: "Line \(line) has \(fields.count) fields but the header names \(width) columns; put values that contain commas in quotes")
        }
        return Array(fields[..<width])
    }

    /// The next non-blank record and the line it starts on, or nil at the end of the file.
    private mutating func nextRecord(width: Int) throws(CSVError) -> (Int, [String])? {
        while position < bytes.count {
            let start = line
            var fields: [String] = []
            fields.reserveCapacity(width)
            var blank = true
            while true {
                let quoted = position < bytes.count && bytes[position] == Self.quote
                let field = quoted ? try quotedField() : try plainField()
                if quoted || !field.isEmpty { blank = false }
                fields.append(field)
                if position < bytes.count, bytes[position] == Self.comma {
                    position += 1
                    continue
                }
                endLine()
                break
            }
            // A line of nothing but commas is what a spreadsheet writes for an empty row.
            if !blank { return (start, fields) }
        }
        return nil
    }

    /// An unquoted field, up to the next comma or line end.
    private mutating func plainField() throws(CSVError) -> String {
        let start = position
        while position < bytes.count {
            let b = bytes[position]
            if b == Self.comma || b == Self.lf || b == Self.cr { break }
            if b == Self.quote {
                throw CSVError(
                    line: line,
                    message: "Line \(line) has a quote inside a field that does not start with one; put the whole field in quotes and double the quotes inside it (\"\")")
            }
            position += 1
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// A quoted field: from the opening quote to its closing quote, with `""` read as `"`.
    private mutating func quotedField() throws(CSVError) -> String {
        let startLine = line
        position += 1
        scratch.removeAll(keepingCapacity: true)
        var segment = position
        while true {
            guard position < bytes.count else {
                throw CSVError(
                    line: startLine,
                    message: "The quoted field that starts on line \(startLine) never ends; add its closing quote (\")")
            }
            let b = bytes[position]
            if b == Self.quote {
                if position + 1 < bytes.count, bytes[position + 1] == Self.quote {
                    // Keep the first quote of the pair, skip the second.
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment...position]))
                    position += 2
                    segment = position
                    continue
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment..<position]))
                position += 1
                break
            }
            if b == Self.lf || (b == Self.cr && !(position + 1 < bytes.count && bytes[position + 1] == Self.lf)) {
                line += 1
            }
            position += 1
        }
        if position < bytes.count {
            let b = bytes[position]
            guard b == Self.comma || b == Self.lf || b == Self.cr else {
                throw CSVError(
                    line: line,
                    message: "Line \(line) has text after a closing quote; put the whole field in quotes and double the quotes inside it (\"\")")
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Steps over CRLF, LF or a lone CR (old Mac files), if there is one.
    private mutating func endLine() {
        guard position < bytes.count else { return }
        if bytes[position] == Self.cr {
            position += 1
            if position < bytes.count, bytes[position] == Self.lf { position += 1 }
        } else {
            position += 1
        }
        line += 1
    }

    /// The line a byte offset is on, for reporting where the file stops being UTF-8.
    private func lineOf(offset: Int) -> Int {
        var line = 1
        for i in 0..<offset where bytes[i] == Self.lf {
            line += 1
        }
        return line
    }
}
