import BatonCore
import Foundation
import Testing

@Suite struct HexTests {
    @Test func bytesAreTwoLowercaseDigitsEach() {
        #expect(Hex.lowercase([UInt8]()) == "")
        #expect(Hex.lowercase([0x00, 0x0f, 0x10, 0xa5, 0xff]) == "000f10a5ff")
    }

    @Test func everyByteReadsAsFormatWritesIt() {
        let all = (0...255).map(UInt8.init)
        #expect(Hex.lowercase(all) == all.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.lowercase(Data("abc".utf8)) == "616263")
    }
}
