import BatonCore
import Foundation
import Testing

/// The CSV reader is fed a file piece by piece as it arrives: wherever the pieces
/// break (inside a quote, between CR and LF, inside a UTF-8 character or the byte
/// order mark), it reads exactly what it reads from the whole file.
@Suite struct CSVStreamingTests {
    static let file = Data([0xEF, 0xBB, 0xBF] + Array((
        "Name,Note,City\r\n"
        + "Müller GmbH,\"line one\r\nline two, with \"\"quotes\"\"\",東京\r\n"
        + "\r\n"
        + ",,\r\n"
        + "Acme,plain,Berlin\r\n"
        + "\"Last\",,\"no newline\"").utf8))

    static func streamed(_ data: Data, pieceSize: Int) throws -> CSVTable {
        var reader = CSVReader()
        var records: [CSVRecord] = []
        var offset = 0
        while offset < data.count {
            let end = min(offset + pieceSize, data.count)
            records += try reader.read(data[offset..<end])
            offset = end
        }
        records += try reader.finish()
        return CSVTable(header: reader.header ?? [], records: records)
    }

    @Test(arguments: [1, 2, 3, 5, 7, 64])
    func readsTheSameWhereverThePiecesBreak(pieceSize: Int) throws {
        let whole = try CSV.parse(Self.file)
        #expect(whole.header == ["Name", "Note", "City"])
        #expect(whole.records.map(\.line) == [2, 6, 7])
        #expect(whole.records[0].fields == ["Müller GmbH", "line one\r\nline two, with \"quotes\"", "東京"])
        #expect(try Self.streamed(Self.file, pieceSize: pieceSize) == whole)
    }

    @Test(arguments: [1, 3, 4096])
    func findsBadUTF8AcrossPieces(pieceSize: Int) {
        let latin1 = Data(Array("name\nAcme\nM".utf8) + [0xFC] + Array("ller\n".utf8))
        #expect(throws: CSVError(line: 3, message: "The file is not UTF-8 text; save it as CSV UTF-8 and try again")) {
            try Self.streamed(latin1, pieceSize: pieceSize)
        }
        let cut = Data(Array("name\nM".utf8) + [0xC3])
        #expect(throws: CSVError.self) { try Self.streamed(cut, pieceSize: pieceSize) }
    }

    /// One record never holds more than 1 MiB, so a quote that never closes in a
    /// large file costs a bounded amount of memory, and says where it started.
    @Test func refusesARecordLongerThanOneMiB() throws {
        var reader = CSVReader()
        _ = try reader.read(Array("name,note\nAcme,\"".utf8))
        let error = try #require(throws: CSVError.self) {
            for _ in 0..<20 { _ = try reader.read(Array(repeating: UInt8(ascii: "x"), count: 64 << 10)) }
        }
        #expect(error.line == 2)
        #expect(error.message.contains("longer than 1 MiB"))
    }
}
