/// The byte-level CSV parser behind `CSV.parse` and streaming imports.
///
/// It is fed the file piece by piece, as the bytes arrive, and hands back each
/// record as soon as it is complete, so a file of any size costs one record's
/// memory, not the file's. It works on raw UTF-8 bytes, not Characters: every byte
/// that matters to CSV (`,` `"` CR LF) is ASCII and cannot occur inside a
/// multi-byte sequence. It checks UTF-8 as it goes: `String(decoding:)` would
/// quietly turn a Latin-1 "Müller" into "M�ller".
public struct CSVReader: Sendable {
    /// A record longer than this is refused: no real CRM export has one, and without
    /// a bound a quote that never closes would make one record of the whole file.
    public static let maximumRecordBytes = 1 << 20

    private enum State: Sendable {
        case fieldStart, plain, quoted, quoteInQuoted
    }

    /// The header, once the first non-blank record has been read.
    public private(set) var header: [String]?

    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var blank = true
    private var recordBytes = 0
    /// The physical line being read, and the one the current record started on.
    private var line = 1
    private var recordLine = 1
    private var quoteLine = 1
    /// The previous byte was a CR: a following LF belongs to the same line end.
    private var afterCR = false
    private var quotedAfterCR = false
    /// Up to the first three bytes, held until it is known whether they are a byte order mark.
    private var start: [UInt8] = []
    private var started = false
    /// UTF-8 state: continuation bytes still expected, the range the next one must be
    /// in, and the count of LFs read (the line a bad byte is reported on).
    private var utf8Pending = 0
    private var utf8Low: UInt8 = 0x80
    private var utf8High: UInt8 = 0xBF
    private var utf8Line = 1
    private var lineFeeds = 0
    private var ready: [CSVRecord] = []

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    public init() {}

    /// Reads the next piece of the file and returns the records it completed (the
    /// header is not one of them: see `header`).
    public mutating func read(_ bytes: some Sequence<UInt8>) throws(CSVError) -> [CSVRecord] {
        ready.removeAll(keepingCapacity: true)
        for byte in bytes {
            if !started {
                start.append(byte)
                if start.count == 3 { try beginBody() }
                continue
            }
            try consume(byte)
        }
        return ready
    }

    /// Ends the file: returns the last record, if the file did not end with a line
    /// break, and refuses a file that stops inside a quote or a character.
    public mutating func finish() throws(CSVError) -> [CSVRecord] {
        ready.removeAll(keepingCapacity: true)
        if !started { try beginBody() }
        if utf8Pending > 0 { throw Self.notUTF8(line: utf8Line) }
        switch state {
        case .quoted:
            throw CSVError(line: quoteLine,
                message: "The quoted field that starts on line \(quoteLine) never ends; add its closing quote (\")")
        case .plain, .quoteInQuoted:
            try endRecord()
        case .fieldStart:
            // A comma just before the end of the file leaves one more, empty, field.
            if !fields.isEmpty { try endRecord() }
        }
        if header == nil {
            throw CSVError(line: nil, message: "The file is empty; its first line must name the columns")
        }
        return ready
    }

    private mutating func beginBody() throws(CSVError) {
        started = true
        let bytes = start
        start = []
        // Excel's "CSV UTF-8" starts with a byte order mark.
        let skip = bytes.count == 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        if skip { return }
        for byte in bytes { try consume(byte) }
    }

    private static func notUTF8(line: Int) -> CSVError {
        CSVError(line: line, message: "The file is not UTF-8 text; save it as CSV UTF-8 and try again")
    }

    /// The ranges of RFC 3629's table: no overlong forms, no surrogates, nothing past U+10FFFF.
    private mutating func checkUTF8(_ b: UInt8) throws(CSVError) {
        if utf8Pending > 0 {
            guard b >= utf8Low, b <= utf8High else { throw Self.notUTF8(line: utf8Line) }
            utf8Low = 0x80
            utf8High = 0xBF
            utf8Pending -= 1
            return
        }
        if b < 0x80 { return }
        utf8Line = lineFeeds + 1
        switch b {
        case 0xC2...0xDF: utf8Pending = 1
        case 0xE0: utf8Pending = 2; utf8Low = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: utf8Pending = 2
        case 0xED: utf8Pending = 2; utf8High = 0x9F
        case 0xF0: utf8Pending = 3; utf8Low = 0x90
        case 0xF1...0xF3: utf8Pending = 3
        case 0xF4: utf8Pending = 3; utf8High = 0x8F
        default: throw Self.notUTF8(line: utf8Line)
        }
    }

    private mutating func consume(_ b: UInt8) throws(CSVError) {
        try checkUTF8(b)
        if b == Self.lf { lineFeeds += 1 }
        if afterCR {
            afterCR = false
            if b == Self.lf { return }
        }
        recordBytes += 1
        if recordBytes > Self.maximumRecordBytes {
            throw CSVError(line: recordLine,
                message: "The record that starts on line \(recordLine) is longer than 1 MiB; if a quoted field there never ends, add its closing quote (\")")
        }
        switch state {
        case .fieldStart:
            if b == Self.quote {
                state = .quoted
                quoteLine = line
                blank = false
                quotedAfterCR = false
                return
            }
            state = .plain
            try plain(b)
        case .plain:
            try plain(b)
        case .quoted:
            if b == Self.quote {
                state = .quoteInQuoted
                return
            }
            // CRLF inside a field is one line break; a lone CR (old Mac files) is one too.
            if b == Self.cr || (b == Self.lf && !quotedAfterCR) { line += 1 }
            quotedAfterCR = b == Self.cr
            field.append(b)
        case .quoteInQuoted:
            if b == Self.quote {
                // `""` inside quotes is one quote.
                field.append(b)
                quotedAfterCR = false
                state = .quoted
                return
            }
            guard b == Self.comma || b == Self.lf || b == Self.cr else {
                throw CSVError(
                    line: line,
                    message: "Line \(line) has text after a closing quote; put the whole field in quotes and double the quotes inside it (\"\")")
            }
            try separator(b)
        }
    }

    private mutating func plain(_ b: UInt8) throws(CSVError) {
        switch b {
        case Self.comma, Self.lf, Self.cr:
            try separator(b)
        case Self.quote:
            throw CSVError(
                line: line,
                message: "Line \(line) has a quote inside a field that does not start with one; put the whole field in quotes and double the quotes inside it (\"\")")
        default:
            field.append(b)
        }
    }

    /// A comma ends the field; a line break ends the record too.
    private mutating func separator(_ b: UInt8) throws(CSVError) {
        if b == Self.comma {
            endField()
            state = .fieldStart
            return
        }
        try endRecord()
        line += 1
        recordLine = line
        afterCR = b == Self.cr
    }

    private mutating func endField() {
        let text = String(decoding: field, as: UTF8.self)
        if !text.isEmpty { blank = false }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
    }

    private mutating func endRecord() throws(CSVError) {
        endField()
        state = .fieldStart
        defer {
            fields.removeAll(keepingCapacity: true)
            blank = true
            recordBytes = 0
        }
        // A line of nothing but commas is what a spreadsheet writes for an empty row.
        if blank { return }
        if let header {
            ready.append(CSVRecord(line: recordLine, fields: try Self.fit(fields, to: header.count, line: recordLine)))
        } else {
            let names = fields.map(\.trimmed)
            try Self.checkHeader(names, line: recordLine)
            header = names
        }
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
}
