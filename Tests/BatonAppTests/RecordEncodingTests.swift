import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Records encode themselves: every key of a record is in its JSON, null when absent,
/// without a hand-written `encode(to:)`; the types inside keep their documented shape.
@Suite struct RecordEncodingTests {
    @Test func aRecordKeepsEveryKeyAndItsAddressLeavesUnknownPartsOut() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let made = try await app.request(.post, "/api/v1/accounts", token: ana,
                                             json: #"{"name": "Keyless Logistics", "address": {"city": "Portland"}}"#)
            #expect(made.status == .created)
            let object = try made.json()
            for key in ["domain", "industry", "parentId", "externalId"] {
                #expect(object.keys.contains(key), "\(key) is missing")
                #expect(object[key] is NSNull, "\(key) should be null")
            }
            let address = try #require(object["address"] as? [String: Any])
            #expect(address["city"] as? String == "Portland")
            #expect(!address.keys.contains("street"), "an address leaves unknown parts out, as documented")
        }
    }
}
