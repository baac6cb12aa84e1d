@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// `GET/PATCH /settings`: everyone reads the firm's settings, admins change them at
/// the version they saw, and the rules read the new values.
@Suite struct FirmSettingsTests {
    @Test func everyoneReadsAndOnlyAdminsChangeAtTheVersionTheySaw() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let ivy = try await app.signIn("ivy.chen@demo.test")
            let read = try await app.api(.get, "settings", ivy)
            #expect(read.status == .ok, "\(read.text)")
            #expect(try read.object["timeZone"] as? String == "UTC" && read.object["averageSpeedKmh"] as? Int == 60
                    && read.object["farthestApartKm"] as? Int == 100 && read.object["travelRoundingMinutes"] as? Int == 5
                    && read.object["renewalLeadDays"] as? Int == 90, "\(read.text)")
            let version = try read.object["version"] as? Int
            #expect(read.headers[.eTag] == "\"\(version ?? 0)\"")

            #expect(try await app.api(.patch, "settings", ivy, #"{"renewalLeadDays": 60}"#, version: version).status == .forbidden)
            #expect(try await app.api(.patch, "settings", admin, #"{"renewalLeadDays": 60}"#).status == .preconditionRequired)
            #expect(try await app.api(.patch, "settings", admin, #"{"renewalLeadDays": 60}"#, version: 0).status == .preconditionFailed)
            let bad = try await app.api(.patch, "settings", admin, #"{"timeZone": "CET", "averageSpeedKmh": 0, "farthestApartKm": null}"#,
                                        version: version)
            #expect(bad.status == .unprocessableContent)
            #expect(try Set(bad.fieldErrors.keys) == ["timeZone", "averageSpeedKmh", "farthestApartKm"], "\(bad.text)")

            let changed = try await app.api(.patch, "settings", admin, #"{"timeZone": "Europe/Brussels", "averageSpeedKmh": 90}"#,
                                            version: version)
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(try changed.object["timeZone"] as? String == "Europe/Brussels" && changed.object["averageSpeedKmh"] as? Int == 90
                    && changed.object["renewalLeadDays"] as? Int == 90 && changed.object["version"] as? Int == (version ?? 0) + 1)
            let again = try await app.api(.get, "settings", admin)
            #expect(try again.object["timeZone"] as? String == "Europe/Brussels" && again.object["averageSpeedKmh"] as? Int == 90)
            let audited: Int = try await app.sql("SELECT count(*)::int AS n FROM audit_log WHERE entity = 'firm_settings'").first!.decode("n")
            #expect(audited == 1)
        }
    }
}
