import BatonCore
import Dates
import Foundation
import Postgres

/// A place people show up at: a client's site (with its account) or one of the
/// firm's own places (no account: an office, a home base).
struct SiteRecord: Encodable, Sendable, Versioned, KeepsEveryKey {
    var id: Int64
    var version: Int
    var accountId: Int64?
    var name: String
    var address: String?
    var timeZone: String
    var latitude, longitude: DecimalString?
    /// Shown only to the people assigned at the site (and admins); null for everyone else.
    var accessNotes: String?
    /// Whether the caller is one of those who see the access notes.
    var accessNotesVisible: Bool
    var main, archived: Bool

    var place: Place { Place(id: id, name: name, coordinates: Self.coordinates(latitude?.value, longitude?.value)) }

    /// The stored degrees as the map's arithmetic takes them (a distance is no money: a double is exact enough).
    static func coordinates(_ latitude: Decimal?, _ longitude: Decimal?) -> Coordinates? {
        guard let latitude, let longitude else { return nil }
        return Coordinates(latitude: NSDecimalNumber(decimal: latitude).doubleValue, longitude: NSDecimalNumber(decimal: longitude).doubleValue)
    }
}

/// A site's fields as the actions have checked them.
struct SiteFields: Sendable {
    var accountID: Int64?
    var name: String
    var address: String?
    var timeZone: String
    var latitude, longitude: Decimal?
    var accessNotes: String?
    var isMain: Bool
}

/// One entry of the firm's travel-times table.
struct TravelTimeRecord: Codable, Sendable {
    var fromSiteId, toSiteId: Int64
    var minutes: Int
}

/// Sites, travel times and where projects, assignments and people are: the SQL and
/// the audit entries.
struct SiteStore: Sendable {
    /// Sites the caller sees: the firm's own places, those of accounts they see, and
    /// those they are assigned at (a consultant sees no accounts, but their sites).
    static func visible(_ caller: Caller) -> Query {
        if caller.isAdmin { return "TRUE" }
        return """
            (s.account_id IS NULL OR \(Scope.accountOf(caller, column: "s.account_id"))
             OR EXISTS (SELECT 1 FROM assignment_sites x WHERE x.site_id = s.id AND x.user_id = \(caller.id)))
            """
    }

    private static func columns(_ caller: Caller) -> Query {
        let notesVisible: Query = caller.isAdmin
            ? "TRUE"
            : "EXISTS (SELECT 1 FROM assignment_sites x WHERE x.site_id = s.id AND x.user_id = \(caller.id))"
        return """
            s.id, s.version, s.account_id, s.name, s.address, s.time_zone, s.latitude, s.longitude,
            s.access_notes, s.is_main, s.archived_at IS NOT NULL AS archived, \(notesVisible) AS notes_visible
            """
    }

    func list(_ db: Connection, caller: Caller, accountID: Int64?, archived: Bool = false) async throws -> [SiteRecord] {
        let account: Query = accountID.map { "s.account_id = \($0)" } ?? "TRUE"
        let state: Query = archived ? "TRUE" : "s.archived_at IS NULL"
        return try await db.query("""
            SELECT \(Self.columns(caller)) FROM sites s
            WHERE \(Self.visible(caller)) AND \(account) AND \(state)
            ORDER BY s.account_id NULLS FIRST, s.is_main DESC, lower(s.name), s.id
            """).map(Self.record)
    }

    func find(_ db: Connection, id: Int64, caller: Caller, forUpdate: Bool = false) async throws -> SiteRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF s" : ""
        return try await db.query("""
            SELECT \(Self.columns(caller)) FROM sites s WHERE s.id = \(id) AND \(Self.visible(caller))\(lock)
            """).first.map(Self.record)
    }

    /// Sites by id, whoever asks: the day planner's places (names and coordinates only reach the caller).
    func places(_ db: Connection, ids: [Int64]) async throws -> [Int64: Place] {
        guard !ids.isEmpty else { return [:] }
        var places: [Int64: Place] = [:]
        for row in try await db.query("""
            SELECT id, name, latitude, longitude FROM sites WHERE id = ANY(\(ids)::bigint[])
            """) {
            let lat: Decimal? = try row.decode("latitude"), lon: Decimal? = try row.decode("longitude")
            places[try row.decode("id")] = Place(id: try row.decode("id"), name: try row.decode("name"),
                                                 coordinates: SiteRecord.coordinates(lat, lon))
        }
        return places
    }

    func create(_ db: Connection, _ f: SiteFields, caller: Caller) async throws -> SiteRecord {
        if f.isMain { try await clearMain(db, accountID: f.accountID) }
        let id: Int64? = try await db.query("""
            INSERT INTO sites (account_id, name, address, time_zone, latitude, longitude, access_notes, is_main)
            VALUES (\(f.accountID), \(f.name), \(f.address), \(f.timeZone), \(f.latitude), \(f.longitude), \(f.accessNotes), \(f.isMain))
            RETURNING id
            """).first?.decode("id")
        guard let id, let created = try await find(db, id: id, caller: caller) else { throw APIError.notFound("site") }
        try await AuditTrail.record(db, actorID: caller.id, entity: "site", entityID: id, action: .create,
                                    before: nil, after: .of(created, excluding: ["accessNotesVisible"]))
        return created
    }

    func update(_ db: Connection, before: SiteRecord, to f: SiteFields, caller: Caller) async throws -> SiteRecord {
        if f.isMain && !before.main { try await clearMain(db, accountID: f.accountID) }
        try await db.query("""
            UPDATE sites SET name = \(f.name), address = \(f.address), time_zone = \(f.timeZone), latitude = \(f.latitude),
                longitude = \(f.longitude), access_notes = \(f.accessNotes), is_main = \(f.isMain),
                version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        return try await audited(db, before: before, caller: caller)
    }

    /// Archives: the site leaves lists, and stops being its account's main site;
    /// projects and assignments that name it keep it.
    func archive(_ db: Connection, _ before: SiteRecord, caller: Caller) async throws {
        try await db.query("""
            UPDATE sites SET archived_at = now(), is_main = false, version = version + 1, updated_at = now()
            WHERE id = \(before.id) AND archived_at IS NULL
            """)
        _ = try await audited(db, before: before, caller: caller)
    }

    private func clearMain(_ db: Connection, accountID: Int64?) async throws {
        guard let accountID else { return }
        try await db.query("""
            UPDATE sites SET is_main = false, version = version + 1, updated_at = now() WHERE account_id = \(accountID) AND is_main
            """)
    }

    private func audited(_ db: Connection, before: SiteRecord, caller: Caller) async throws -> SiteRecord {
        guard let after = try await find(db, id: before.id, caller: caller) else { throw APIError.notFound("site") }
        try await AuditTrail.record(db, actorID: caller.id, entity: "site", entityID: before.id, action: .update,
                                    before: .of(before, excluding: ["accessNotesVisible"]),
                                    after: .of(after, excluding: ["accessNotesVisible"]))
        return after
    }

    /// Whether `caller` sees the account (the sites of an account are its writers' to keep).
    func accountVisible(_ db: Connection, accountID: Int64, caller: Caller) async throws -> Bool {
        try await db.query("""
            SELECT EXISTS (SELECT 1 FROM accounts s WHERE s.id = \(accountID) AND \(Scope.accountOf(caller, column: "s.id"))) AS seen
            """).first?.decode("seen") ?? false
    }

    // MARK: Travel times

    func travelTimes(_ db: Connection) async throws -> [TravelTimeRecord] {
        try await db.query("SELECT from_site_id, to_site_id, minutes FROM travel_times ORDER BY from_site_id, to_site_id").map {
            TravelTimeRecord(fromSiteId: try $0.decode("from_site_id"), toSiteId: try $0.decode("to_site_id"), minutes: try $0.decode("minutes"))
        }
    }

    /// The table with the firm's rules, as the day planner asks it.
    func travel(_ db: Connection) async throws -> TravelTimes {
        var entered: [TravelTimes.PlacePair: Int] = [:]
        for t in try await travelTimes(db) { entered[.init(t.fromSiteId, t.toSiteId)] = t.minutes }
        return TravelTimes(entered: entered, rules: try await FirmSettingsStore.current(db).travel)
    }

    /// Enters (or with nil, removes) the time between two places, either direction.
    func setTravelTime(_ db: Connection, between a: Int64, and b: Int64, minutes: Int?, by actorID: Int64) async throws {
        let (first, second) = a <= b ? (a, b) : (b, a)
        let before: Int? = try await db.query("""
            SELECT minutes FROM travel_times WHERE from_site_id = \(first) AND to_site_id = \(second) FOR UPDATE
            """).first?.decode("minutes")
        if let minutes {
            try await db.query("""
                INSERT INTO travel_times (from_site_id, to_site_id, minutes) VALUES (\(first), \(second), \(minutes))
                ON CONFLICT (from_site_id, to_site_id) DO UPDATE SET minutes = excluded.minutes, updated_at = now()
                """)
        } else {
            try await db.query("DELETE FROM travel_times WHERE from_site_id = \(first) AND to_site_id = \(second)")
        }
        func snapshot(_ m: Int?) -> AuditSnapshot? { m.map { ["toSiteId": .int(second), "minutes": .int(Int64($0))] } }
        try await AuditTrail.record(db, actorID: actorID, entity: "travel_time", entityID: first,
                                    action: before == nil ? .create : (minutes == nil ? .delete : .update),
                                    before: snapshot(before), after: snapshot(minutes))
    }

    // MARK: Where projects, assignments and people are

    /// Sets the `site_id` column of one row of `table` (projects, assignments or
    /// users' home base), with its version and an audit entry naming the change.
    func place(_ db: Connection, _ target: Placement, id: Int64, siteID: Int64?, by actorID: Int64) async throws {
        let before: Int64? = try await db.query("""
            SELECT \(unsafeSQL: target.column) AS site FROM \(unsafeSQL: target.table) WHERE id = \(id) FOR UPDATE
            """).first?.decode("site")
        try await db.query("""
            UPDATE \(unsafeSQL: target.table) SET \(unsafeSQL: target.column) = \(siteID), version = version + 1, updated_at = now()
            WHERE id = \(id)
            """)
        func snapshot(_ s: Int64?) -> AuditSnapshot { [target.key: s.map { .int($0) } ?? .null] }
        try await AuditTrail.record(db, actorID: actorID, entity: target.entity, entityID: id, action: .update,
                                    before: snapshot(before), after: snapshot(siteID))
    }

    enum Placement: Sendable {
        case project, assignment, homeBase
        var table: String { switch self { case .project: "projects"; case .assignment: "assignments"; case .homeBase: "users" } }
        var column: String { self == .homeBase ? "home_site_id" : "site_id" }
        var entity: String { switch self { case .project: "project"; case .assignment: "assignment"; case .homeBase: "user" } }
        var key: String { self == .homeBase ? "homeSiteId" : "siteId" }
    }

    /// The site an assignment is at (its own, its project's, or the account's main site).
    func assignmentSite(_ db: Connection, assignmentID: Int64) async throws -> Int64? {
        try await db.query("SELECT site_id FROM assignment_sites WHERE assignment_id = \(assignmentID)").first?.decode("site_id")
    }

    /// The travel `people` already have planned on each day from `from` up to but not
    /// including `to` (their day plans, as the API's), each day's as a booking of its travel
    /// hours: travel is non-billable time within the working hours, so suggestions and the
    /// capacity check take it off the free hours as they take work. A fixed number of
    /// statements whatever the number of people.
    func plannedTravel(
        _ db: Connection, people: [Int64], calendars: [Int64: WorkingCalendar], from: CalendarDate, to: CalendarDate
    ) async throws -> [Int64: [Booking]] {
        guard !people.isEmpty, from < to else { return [:] }
        let blocks = try await RotationStore().blocks(db, people: people, from: from, to: to)
        guard !blocks.isEmpty else { return [:] }
        let homes = try await homeSites(db, people: people)
        let known = try await places(db, ids: blocks.compactMap(\.siteId) + Array(homes.values))
        let travel = try await self.travel(db)
        var result: [Int64: [Booking]] = [:]
        for (id, calendar) in calendars where people.contains(id) {
            let bookings = blocks.filter { $0.userId == id }.map { $0.siteBooking(known) }
            guard !bookings.isEmpty else { continue }
            result[id] = DayPlanner.plans(from: from, to: to, homeBase: homes[id].flatMap { known[$0] }, bookings: bookings,
                                          calendar: calendar, travel: travel)
                .filter { $0.travelMinutes > 0 && !$0.isDayOff }
                .map { Booking(start: $0.day, end: $0.day.adding(days: 1), hoursPerDay: $0.travelHours) }
        }
        return result
    }

    /// The home base of each of `people` who has one.
    func homeSites(_ db: Connection, people: [Int64]) async throws -> [Int64: Int64] {
        var homes: [Int64: Int64] = [:]
        for row in try await db.query("""
            SELECT id, home_site_id FROM users WHERE id = ANY(\(people)::bigint[]) AND home_site_id IS NOT NULL
            """) {
            homes[try row.decode("id")] = try row.decode("home_site_id")
        }
        return homes
    }

    /// The site an assignment itself names (not the one it falls back to): what a piece of it carries.
    func ownSite(_ db: Connection, assignmentID: Int64) async throws -> Int64? {
        try await db.query("SELECT site_id FROM assignments WHERE id = \(assignmentID)").first?.decode("site_id")
    }

    /// Where each of a person's assignments is, for their calendar feed: the site's name
    /// and address, and its access notes (the feed's owner is assigned there, so reads them).
    func feedSites(_ db: Connection, userID: Int64) async throws -> [Int64: (location: String, accessNotes: String?)] {
        var result: [Int64: (location: String, accessNotes: String?)] = [:]
        for row in try await db.query("""
            SELECT x.assignment_id, s.name, s.address, s.access_notes
            FROM assignment_sites x JOIN sites s ON s.id = x.site_id WHERE x.user_id = \(userID)
            """) {
            result[try row.decode("assignment_id")] = (SiteCalendar.location(siteName: try row.decode("name"), address: try row.decode("address")),
                                                       try row.decode("access_notes"))
        }
        return result
    }

    /// The site of a project (its own, else its account's main site): where a new
    /// assignment on it is until it names one.
    func projectSite(_ db: Connection, projectID: Int64) async throws -> Int64? {
        try await db.query("""
            SELECT coalesce(p.site_id, (SELECT s.id FROM sites s WHERE s.account_id = p.account_id AND s.is_main AND s.archived_at IS NULL)) AS site
            FROM projects p WHERE p.id = \(projectID)
            """).first?.decode("site")
    }

    /// Each person's shortest daily trip to the project's site (its own, else its
    /// account's main site) from their home base or from a site they already work at
    /// between `from` and `to` (exclusive), where the firm knows the places and the time.
    func staffingTravel(_ db: Connection, projectID: Int64, people: [Int64], from: CalendarDate, to: CalendarDate) async throws -> [Int64: StaffingTravel] {
        guard !people.isEmpty, let siteID = try await projectSite(db, projectID: projectID) else { return [:] }
        let homes = try await homeSites(db, people: people)
        var already: [Int64: [Int64]] = [:]
        for row in try await db.query("""
            SELECT DISTINCT x.user_id, x.site_id FROM assignments a JOIN assignment_sites x ON x.assignment_id = a.id
            WHERE x.user_id = ANY(\(people)::bigint[]) AND x.site_id IS NOT NULL AND a.end_date >= \(from) AND a.start_date < \(to)
            ORDER BY x.site_id
            """) {
            already[try row.decode("user_id"), default: []].append(try row.decode("site_id"))
        }
        let places = try await places(db, ids: [siteID] + homes.values + already.values.flatMap { $0 })
        guard let site = places[siteID] else { return [:] }
        let travel = try await travel(db)
        var result: [Int64: StaffingTravel] = [:]
        for person in people {
            result[person] = StaffingTravel.nearest(to: site, homeBase: homes[person].flatMap { places[$0] },
                                                    alreadyAt: (already[person] ?? []).compactMap { places[$0] }, travel: travel)
        }
        return result
    }

    /// Who will be at which site for a project from `from` up to but not including `to`,
    /// for the client's status page: names, roles, the site and the days (no hours).
    struct OnSite: Sendable { var name, role, site, from, to: String }

    func onSite(_ db: Connection, projectID: Int64, from: CalendarDate, to: CalendarDate) async throws -> [OnSite] {
        try await db.query("""
            SELECT u.name, a.role, s.name AS site, greatest(a.start_date, \(from)::date) AS first,
                   least(a.end_date, \(to)::date - 1) AS last
            FROM assignments a JOIN assignment_sites x ON x.assignment_id = a.id JOIN sites s ON s.id = x.site_id
            JOIN users u ON u.id = a.user_id
            WHERE a.project_id = \(projectID) AND a.end_date >= \(from) AND a.start_date < \(to)
            ORDER BY first, lower(u.name), a.id
            """).map { row in
            let first: CalendarDate = try row.decode("first"), last: CalendarDate = try row.decode("last")
            return OnSite(name: try row.decode("name"), role: try row.decode("role"), site: try row.decode("site"),
                          from: first.description, to: last.description)
        }
    }

    // MARK: Day plans

    /// A person's home base and their assignments at sites overlapping the days from
    /// `from` up to but not including `to`, oldest first: what the day planner reads.
    func dayPlanInputs(_ db: Connection, userID: Int64, from: CalendarDate, to: CalendarDate) async throws -> (home: Place?, bookings: [SiteBooking]) {
        var rows: [(id: Int64, site: Int64?, booking: Booking)] = []
        for row in try await db.query("""
            SELECT a.id, x.site_id, a.start_date, a.end_date, a.hours_per_day
            FROM assignments a JOIN assignment_sites x ON x.assignment_id = a.id
            WHERE a.user_id = \(userID) AND a.end_date >= \(from) AND a.start_date < \(to)
            ORDER BY a.start_date, a.id
            """) {
            let end: CalendarDate = try row.decode("end_date")
            rows.append((try row.decode("id"), try row.decode("site_id"),
                         Booking(start: try row.decode("start_date"), end: end.adding(days: 1), hoursPerDay: try row.decode("hours_per_day"))))
        }
        let home: Int64? = try await db.query("SELECT home_site_id FROM users WHERE id = \(userID)").first?.decode("home_site_id")
        let places = try await places(db, ids: rows.compactMap(\.site) + (home.map { [$0] } ?? []))
        // An assignment with no site anywhere is work at an unknown place: a place of its own, with no coordinates.
        let bookings = rows.map { r in
            SiteBooking(assignmentId: r.id, site: r.site.flatMap { places[$0] } ?? Place(id: -r.id, name: "No site"), booking: r.booking)
        }
        return (home.flatMap { places[$0] }, bookings)
    }

    static func record(_ row: Row) throws -> SiteRecord {
        let visible: Bool = try row.decode("notes_visible")
        let lat: Decimal? = try row.decode("latitude"), lon: Decimal? = try row.decode("longitude")
        return SiteRecord(
            id: try row.decode("id"), version: try row.decode("version"), accountId: try row.decode("account_id"),
            name: try row.decode("name"), address: try row.decode("address"), timeZone: try row.decode("time_zone"),
            latitude: lat.map(DecimalString.init), longitude: lon.map(DecimalString.init),
            accessNotes: visible ? try row.decode("access_notes") : nil, accessNotesVisible: visible,
            main: try row.decode("is_main"), archived: try row.decode("archived"))
    }
}
