import BatonCore
import Foundation
import Testing

@Suite struct CSVWriterTests {
    @Test func quotesOnlyWhatNeedsQuotingAndEndsLinesWithCRLF() {
        let text = CSV.write(header: ["name", "note"], rows: [["Acme, Inc.", "plain"], ["Say \"hi\"", "two\nlines"]])
        #expect(text == "name,note\r\n\"Acme, Inc.\",plain\r\n\"Say \"\"hi\"\"\",\"two\nlines\"\r\n")
    }

    @Test func roundTripsThroughTheReader() throws {
        let header = ["externalId", "name", "amount", "note"]
        let rows = [
            ["sf:001", "Acme, Inc.", "-12.50", "line one\r\nline two"],
            ["", "Müller \"Bau\" GmbH", "84000.00", ""],
            ["hs:9", "Café", "0", "ends with a comma,"],
        ]
        let table = try CSV.parse(CSV.write(header: header, rows: rows))
        #expect(table.header == header)
        #expect(table.records.map(\.fields) == rows)
        #expect(table.records.map(\.line) == [2, 4, 5])
    }

    @Test(arguments: [
        ("=SUM(A1)", "'=SUM(A1)"), ("@x", "'@x"), ("+1", "'+1"), ("-A1", "'-A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
        ("=1+2", "'=1+2"), ("-", "'-"), ("-1.", "'-1."), ("-1e5", "'-1e5"),
    ])
    func neutralisesFormulas(cell: String, expected: String) {
        #expect(CSV.neutralise(cell) == expected)
    }

    @Test(arguments: ["-12.50", "-3", "12.50", "Acme", "", "a=b", "'quoted", "0"])
    func leavesNumbersAndPlainTextAlone(cell: String) {
        #expect(CSV.neutralise(cell) == cell)
    }

    @Test func neutralisesWhileWriting() {
        let text = CSV.write(header: ["a", "b", "c"], rows: [["=HYPERLINK(\"http://evil\",\"x\")", "-12.50", "@SUM(1,2)"]])
        #expect(text == "a,b,c\r\n\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-12.50,\"'@SUM(1,2)\"\r\n")
    }

    @Test func writesAnEmptyTable() {
        #expect(CSV.write(header: ["name"], rows: []) == "name\r\n")
    }
}
