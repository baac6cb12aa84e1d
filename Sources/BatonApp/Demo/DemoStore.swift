import BatonCore
import Postgres

/// The demo loader's reads: which records it picks to walk through the flows. Its writes
/// all go through the areas' actions; these reads are the demo's own choices (the oldest
/// templates, the demo's open deals in given stages), so they live in the demo's store
/// rather than in the areas' stores.
enum DemoStore {
    /// Every typical project, oldest first: the demo hands them out in turn.
    static func templateIDs(_ db: Connection) async throws -> [Int64] {
        try await db.query("SELECT id FROM typical_projects ORDER BY id").map { try $0.decode("id", as: Int64.self) }
    }

    /// The demo's own open deals in the given stages, soonest close first.
    static func openDeals(_ db: Connection, inStages stages: [String], limit: Int) async throws -> [Int64] {
        try await db.query("""
            SELECT o.id FROM opportunities o
            WHERE o.stage_key = ANY(\(stages)::text[]) AND o.external_id LIKE 'demo:%'
            ORDER BY o.close_date, o.id LIMIT \(limit)
            """).map { try $0.decode("id", as: Int64.self) }
    }

    /// People with a home location, as (id, "City, Country").
    static func homeLocations(_ db: Connection) async throws -> [(id: Int64, location: String)] {
        try await db.query("SELECT id, home_location FROM users WHERE home_location IS NOT NULL ORDER BY id").map {
            (try $0.decode("id"), try $0.decode("home_location"))
        }
    }

    /// The accounts that have a project: the clients the demo's consultants visit.
    static func clients(_ db: Connection) async throws -> [(id: Int64, name: String, city: String)] {
        try await db.query("""
            SELECT DISTINCT a.id, a.name, a.city FROM accounts a JOIN projects p ON p.account_id = a.id ORDER BY a.id
            """).map { (try $0.decode("id"), try $0.decode("name"), try $0.decode("city", as: String?.self) ?? "") }
    }
}
