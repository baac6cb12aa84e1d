@testable import BatonApp
import Foundation
import HummingbirdTesting
import Postgres
import Testing

/// The demo firm's map (issue 24): offices as home bases, each client with a project
/// has a main site, and someone rotates between two sites on one day.
@Suite struct DemoSitesTests {
    @Test func theDemoFirmHasSitesHomeBasesAndARotation() async throws {
        try await TestApp.run(business: true) { app in
            let counts = try await app.sql("""
                SELECT (SELECT count(*) FROM sites WHERE account_id IS NULL)::int AS offices,
                       (SELECT count(*) FROM users WHERE home_site_id IS NOT NULL)::int AS based,
                       (SELECT count(DISTINCT p.account_id) FROM projects p
                        WHERE NOT EXISTS (SELECT 1 FROM sites s WHERE s.account_id = p.account_id AND s.is_main))::int AS without,
                       (SELECT count(*) FROM travel_times)::int AS entered
                """).first!
            #expect(try counts.decode("offices", as: Int.self) == 3 && counts.decode("based", as: Int.self) > 5)
            #expect(try counts.decode("without", as: Int.self) == 0 && counts.decode("entered", as: Int.self) == 1)
            // A rotation: a person at two different sites on the same working day.
            let rotating: Int = try await app.sql("""
                SELECT count(*)::int AS n FROM assignments a JOIN assignment_sites x ON x.assignment_id = a.id
                JOIN assignments b ON b.user_id = a.user_id AND b.id > a.id JOIN assignment_sites y ON y.assignment_id = b.id
                WHERE x.site_id <> y.site_id AND a.start_date <= b.end_date AND b.start_date <= a.end_date
                """).first!.decode("n")
            #expect(rotating > 0)
        }
    }
}
