import BatonCore
import Foundation
import Postgres

/// The settings as a writer sends them: every one optional, so that a change names
/// only what it changes.
struct FirmSettingsInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case timeZone, averageSpeedKmh, farthestApartKm, travelRoundingMinutes, renewalLeadDays
    }
    var timeZone: String?
    var averageSpeedKmh, farthestApartKm, travelRoundingMinutes, renewalLeadDays: Int?
}

/// Changing the firm's settings, from the API or the admin page: admins only, at the
/// version the admin last saw.
struct FirmSettingsActions {
    let services: AppServices
    var store: FirmSettingsStore { FirmSettingsStore() }

    func change(_ db: Connection, caller: Caller, expected: Int?, input: FirmSettingsInput, keys: Set<String>) async throws -> FirmSettingsRecord {
        try Scope.requireAdmin(caller)
        let before = try await store.record(db, forUpdate: true)
        try ETag.requireCurrent(expected, before.version)
        var s = before.settings
        var v = Validator()
        // A key sent as null names no value to keep: refused like any other wrong value.
        func required<T>(_ key: String, _ value: T?, _ label: String) -> T? {
            guard keys.contains(key) else { return nil }
            if value == nil { v.add(key, "\(label) cannot be empty") }
            return value
        }
        if let zone = required("timeZone", input.timeZone?.trimmed, "Time zone") { s.timeZone = zone }
        if let speed = required("averageSpeedKmh", input.averageSpeedKmh, "Average speed") { s.averageSpeedKmh = speed }
        if let km = required("farthestApartKm", input.farthestApartKm, "Farthest apart") { s.farthestApartKm = km }
        if let step = required("travelRoundingMinutes", input.travelRoundingMinutes, "Travel rounding") { s.travelRoundingMinutes = step }
        if let days = required("renewalLeadDays", input.renewalLeadDays, "Renewal lead") { s.renewalLeadDays = days }
        s.check(into: &v)
        try v.throwIfInvalid()
        return try await store.update(db, before: before, to: s, by: caller.id)
    }
}
