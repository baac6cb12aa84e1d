import BatonCore
import Foundation
import Postgres

/// The firm's settings as the API answers them: the settings themselves, at the top
/// level beside their version and when they last changed.
struct FirmSettingsRecord: Encodable, Sendable {
    var settings: FirmSettings
    var version: Int
    var updatedAt: Timestamp

    private enum Keys: String, CodingKey { case version, updatedAt }

    /// Flat, as `PATCH /settings` takes them: the settings encode their own keys (so a
    /// new setting cannot be left out here), then the version and the time are added.
    func encode(to encoder: any Encoder) throws {
        try settings.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(version, forKey: .version)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// The one row of `firm_settings`: its SQL and its audit entry.
struct FirmSettingsStore: Sendable {
    /// The settings the rules read now.
    static func current(_ db: Connection) async throws -> FirmSettings {
        try await FirmSettingsStore().record(db).settings
    }

    /// The row; the standard settings at version 1 if it is missing (a database
    /// migrated by hand): a read must never fail for want of a setting.
    func record(_ db: Connection, forUpdate: Bool = false) async throws -> FirmSettingsRecord {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        let stored = try await db.query("""
            SELECT version, time_zone, average_speed_kmh, farthest_apart_km, travel_rounding_minutes, renewal_lead_days, updated_at
            FROM firm_settings\(lock)
            """).first.map { row in
            FirmSettingsRecord(
                settings: FirmSettings(
                    timeZone: try row.decode("time_zone"), averageSpeedKmh: try row.decode("average_speed_kmh"),
                    farthestApartKm: try row.decode("farthest_apart_km"), travelRoundingMinutes: try row.decode("travel_rounding_minutes"),
                    renewalLeadDays: try row.decode("renewal_lead_days")),
                version: try row.decode("version"), updatedAt: try row.decode("updated_at"))
        }
        return stored ?? FirmSettingsRecord(settings: .standard, version: 1, updatedAt: .now)
    }

    /// Writes the checked settings over the row (inserting it if a hand-migrated
    /// database lacks it), with the audit entry of what changed.
    func update(_ db: Connection, before: FirmSettingsRecord, to s: FirmSettings, by actorID: Int64) async throws -> FirmSettingsRecord {
        try await db.query("""
            INSERT INTO firm_settings (time_zone, average_speed_kmh, farthest_apart_km, travel_rounding_minutes, renewal_lead_days)
            VALUES (\(s.timeZone), \(s.averageSpeedKmh), \(s.farthestApartKm), \(s.travelRoundingMinutes), \(s.renewalLeadDays))
            ON CONFLICT (id) DO UPDATE SET time_zone = excluded.time_zone, average_speed_kmh = excluded.average_speed_kmh,
                farthest_apart_km = excluded.farthest_apart_km, travel_rounding_minutes = excluded.travel_rounding_minutes,
                renewal_lead_days = excluded.renewal_lead_days, version = firm_settings.version + 1, updated_at = now()
            """)
        let after = try await record(db)
        try await AuditTrail.record(db, actorID: actorID, entity: "firm_settings", entityID: 1, action: .update,
                                    before: .of(before.settings), after: .of(after.settings))
        return after
    }
}
