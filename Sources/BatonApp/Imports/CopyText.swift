/// Rows in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, and the
/// four characters that would break a row escaped. This is what imports stream
/// into their staging tables, so no value ever passes through SQL text.
struct CopyText {
    private(set) var chunks: [String] = []
    private var current = ""
    /// Rows added since the last `take()`.
    private(set) var rows = 0

    /// What has been added and not yet taken, in bytes (about).
    var byteCount: Int { chunks.count << 20 + current.utf8.count }

    mutating func row(_ values: [String?]) {
        for (i, value) in values.enumerated() {
            if i > 0 { current += "\t" }
            guard let value else { current += "\\N"; continue }
            // Most values need no escape: appended whole rather than a scalar at a time.
            if !value.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                current += value
                continue
            }
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\\": current += "\\\\"
                case "\t": current += "\\t"
                case "\n": current += "\\n"
                case "\r": current += "\\r"
                default: current.unicodeScalars.append(scalar)
                }
            }
        }
        current += "\n"
        rows += 1
        // Chunks of about 1 MiB keep memory flat while libpq sends them.
        if current.utf8.count > 1 << 20 {
            chunks.append(current)
            current = ""
        }
    }

    func finished() -> [String] { current.isEmpty ? chunks : chunks + [current] }

    /// Everything added so far, leaving this empty for the next batch.
    mutating func take() -> [String] {
        let all = finished()
        chunks = []
        current = ""
        rows = 0
        return all
    }
}
