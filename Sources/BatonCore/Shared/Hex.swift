/// Bytes as lowercase hexadecimal, two digits a byte: how token hashes are stored and
/// looked up, and how digests are shown.
///
/// Written out by hand because every authenticated request hashes its token:
/// `String(format: "%02x")` a byte cost a tenth of a read's CPU (docs/performance.md).
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func lowercase<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
