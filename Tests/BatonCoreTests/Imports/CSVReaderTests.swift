import BatonCore
import Foundation
import Testing

@Suite struct CSVReaderTests {
    @Test func readsHeaderAndRecordsWithTheirLines() throws {
        let table = try CSV.parse("name,city\nAcme,Berlin\nGlobex,Paris\n")
        #expect(table.header == ["name", "city"])
        #expect(table.records == [
            CSVRecord(line: 2, fields: ["Acme", "Berlin"]),
            CSVRecord(line: 3, fields: ["Globex", "Paris"]),
        ])
    }

    @Test func readsQuotedFieldsWithCommasAndEscapedQuotes() throws {
        let table = try CSV.parse("name,note\n\"Acme, Inc.\",\"She said \"\"yes\"\"\"\n\"\",\"\"\"\"\n")
        #expect(table.records.map(\.fields) == [["Acme, Inc.", "She said \"yes\""], ["", "\""]])
    }

    @Test func embeddedNewlinesMoveLaterRecordsDown() throws {
        let text = "name,address\nAcme,\"1 Main St\nSuite 2\nBerlin\"\nGlobex,\"x\r\ny\"\r\nInitech,z\n"
        let table = try CSV.parse(text)
        #expect(table.records.map(\.line) == [2, 5, 7])
        #expect(table.records[0].fields[1] == "1 Main St\nSuite 2\nBerlin")
        #expect(table.records[1].fields[1] == "x\r\ny")
    }

    @Test func acceptsCRLFAndNoFinalNewline() throws {
        let table = try CSV.parse("a,b\r\n1,2\r\n3,4")
        #expect(table.records == [CSVRecord(line: 2, fields: ["1", "2"]), CSVRecord(line: 3, fields: ["3", "4"])])
    }

    @Test func acceptsOldMacLineEnds() throws {
        let table = try CSV.parse("a,b\r1,2\r3,4\r")
        #expect(table.records.map(\.line) == [2, 3])
    }

    @Test func dropsTheByteOrderMark() throws {
        let table = try CSV.parse(Data([0xEF, 0xBB, 0xBF] + Array("Name,Email\nAna,ana@x.test\n".utf8)))
        #expect(table.header == ["Name", "Email"])
        #expect(table.records.count == 1)
    }

    @Test func skipsBlankLinesButKeepsCountingThem() throws {
        let table = try CSV.parse("\nname,city\n\nAcme,Berlin\n\r\n,\n\nGlobex,Paris\n\n")
        #expect(table.header == ["name", "city"])
        #expect(table.records == [CSVRecord(line: 4, fields: ["Acme", "Berlin"]), CSVRecord(line: 8, fields: ["Globex", "Paris"])])
    }

    @Test func padsShortRecordsAndKeepsEmptyFields() throws {
        let table = try CSV.parse("a,b,c\n1\n,2,\n")
        #expect(table.records.map(\.fields) == [["1", "", ""], ["", "2", ""]])
    }

    @Test func trimsHeaderNamesAndKeepsFieldSpaces() throws {
        let table = try CSV.parse(" name , city\n Acme ,Berlin\n")
        #expect(table.header == ["name", "city"])
        #expect(table.records[0].fields == [" Acme ", "Berlin"])
    }

    @Test func readsNonASCIIText() throws {
        let table = try CSV.parse("name\nMüller GmbH\n\"東京, 株式会社\"\n")
        #expect(table.records.map(\.fields) == [["Müller GmbH"], ["東京, 株式会社"]])
    }

    @Test func toleratesEmptyTrailingFieldsBeyondTheHeader() throws {
        let table = try CSV.parse("a,b\n1,2,,\n")
        #expect(table.records[0].fields == ["1", "2"])
    }

    @Test func refusesAnUnbalancedQuoteNamingTheLineItStarts() {
        #expect(throws: CSVError(
            line: 3, message: "The quoted field that starts on line 3 never ends; add its closing quote (\")"
        )) {
            try CSV.parse("name,note\nAcme,ok\nGlobex,\"never closed\nInitech,more\n")
        }
    }

    @Test func refusesAQuoteInsideAnUnquotedField() throws {
        let error = try #require(throws: CSVError.self) { try CSV.parse("name,size\nAcme,12\" pipe\n") }
        #expect(error.line == 2)
        #expect(error.message.contains("put the whole field in quotes"))
    }

    @Test func refusesTextAfterAClosingQuote() throws {
        let error = try #require(throws: CSVError.self) { try CSV.parse("name\n\"Acme\" Inc\n") }
        #expect(error.line == 2)
    }

    @Test func refusesMoreFieldsThanTheHeaderNamingTheLine() {
        #expect(throws: CSVError(
            line: 3, message: "Line 3 has 3 fields but the header names 2 columns; put values that contain commas in quotes"
        )) {
            try CSV.parse("name,amount\nAcme,100\nGlobex,84,000.00\n")
        }
    }

    @Test func refusesTextThatIsNotUTF8() {
        // "Müller" saved as Latin-1 on line 3.
        let latin1 = Data(Array("name\nAcme\nM".utf8) + [0xFC] + Array("ller\n".utf8))
        #expect(throws: CSVError(line: 3, message: "The file is not UTF-8 text; save it as CSV UTF-8 and try again")) {
            try CSV.parse(latin1)
        }
    }

    @Test(arguments: [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF]] as [[UInt8]])
    func refusesMalformedUTF8Sequences(bytes: [UInt8]) throws {
        let error = try #require(throws: CSVError.self) { try CSV.parse(Data(Array("name\n".utf8) + bytes)) }
        #expect(error.line == 2)
    }

    @Test func refusesUTF16() throws {
        let utf16 = "name\nAcme\n".data(using: .utf16)!
        #expect(throws: CSVError.self) { try CSV.parse(utf16) }
    }

    @Test(arguments: ["", "\n\n", "\u{FEFF}", ",,\n"])
    func refusesAFileWithoutAHeader(text: String) throws {
        let error = try #require(throws: CSVError.self) { try CSV.parse(text) }
        #expect(error.message.contains("name the columns"))
    }

    @Test(arguments: [("Email,Name,email", "\"Email\" and \"email\" name the same column"), ("Billing City,BillingCity", "\"Billing City\" and \"BillingCity\" name the same column"), ("a,b,a", "\"a\" appears twice")])
    func refusesDuplicateHeaderNames(header: String, named: String) throws {
        let error = try #require(throws: CSVError.self) { try CSV.parse(header + "\n1,2,3\n") }
        #expect(error.line == 1)
        #expect(error.message == "The header is ambiguous: \(named); keep one of them")
    }

    @Test func allowsSeveralUnnamedColumns() throws {
        let table = try CSV.parse("name,,\nAcme,x,y\n")
        #expect(table.header == ["name", "", ""])
    }

    @Test func errorsDescribeThemselves() {
        let error = CSVError(line: 4, message: "Line 4 is wrong")
        #expect("\(error)" == "Line 4 is wrong")
    }

    @Test func readsManyRecordsQuickly() throws {
        var text = "id,name,amount,note\n"
        for i in 0..<20_000 {
            text += "\(i),Company \(i),\(i).50,\"a, \"\"quoted\"\" note\"\n"
        }
        let table = try CSV.parse(text)
        #expect(table.records.count == 20_000)
        #expect(table.records.last == CSVRecord(line: 20_001, fields: ["19999", "Company 19999", "19999.50", "a, \"quoted\" note"]))
    }
}
