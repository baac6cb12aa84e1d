extension CSV {
    /// Writes a file Excel and other spreadsheets open safely: CRLF line ends, a field
    /// quoted only when it holds `,` `"` CR or LF, and every cell neutralised so that
    /// opening the export never runs a formula someone typed into a record.
    public static func write(header: [String], rows: [[String]]) -> String {
        var out = ""
        out.reserveCapacity((rows.count + 1) * max(header.count, 1) * 12)
        appendRecord(header, to: &out)
        for row in rows {
            appendRecord(row, to: &out)
        }
        return out
    }

    /// The cell with a leading `'` when a spreadsheet would read it as a formula, i.e. it
    /// starts with `=` `+` `-` `@` tab or CR (OWASP's CSV injection advice). A plain
    /// negative number such as `-12.50` is left alone so that amounts round-trip.
    public static func neutralise(_ cell: String) -> String {
        guard let first = cell.utf8.first else { return cell }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
            return "'" + cell
        case UInt8(ascii: "-"):
            return isPlainNegativeNumber(cell) ? cell : "'" + cell
        default:
            return cell
        }
    }

    /// Undoes `neutralise` when our own export is imported again: a `'` followed by a
    /// character that triggers a formula was put there by us, not typed by a person.
    static func restoreNeutralised(_ cell: String) -> String {
        let bytes = cell.utf8
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "'") else { return cell }
        let rest = String(cell.dropFirst())
        return neutralise(rest) == cell ? rest : cell
    }

    /// `-digits` or `-digits.digits`, nothing else.
    private static func isPlainNegativeNumber(_ cell: String) -> Bool {
        var digitsBeforeDot = 0
        var digitsAfterDot = 0
        var sawDot = false
        for (i, b) in cell.utf8.enumerated() {
            switch b {
            case UInt8(ascii: "-") where i == 0: continue
            case UInt8(ascii: ".") where !sawDot && digitsBeforeDot > 0: sawDot = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if sawDot { digitsAfterDot += 1 } else { digitsBeforeDot += 1 }
            default: return false
            }
        }
        return digitsBeforeDot > 0 && (!sawDot || digitsAfterDot > 0)
    }

    private static func appendRecord(_ fields: [String], to out: inout String) {
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(",") }
            let cell = neutralise(field)
            if needsQuotes(cell) {
                out.append("\"")
                out.append(cell.replacingQuotes())
                out.append("\"")
            } else {
                out.append(cell)
            }
        }
        out.append("\r\n")
    }

    private static func needsQuotes(_ cell: String) -> Bool {
        cell.utf8.contains { b in
            b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n")
        }
    }
}

extension String {
    /// Every `"` doubled, as a quoted CSV field needs.
    fileprivate func replacingQuotes() -> String {
        guard utf8.contains(UInt8(ascii: "\"")) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 4)
        for c in self {
            if c == "\"" { out.append("\"\"") } else { out.append(c) }
        }
        return out
    }
}
