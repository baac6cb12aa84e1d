import BatonCore
import Dates
import Foundation
import Postgres

/// A site's fields as a writer sends them: every one optional, so that a change
/// names only what it changes.
struct SiteInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case accountId, name, address, timeZone, latitude, longitude, accessNotes, main
    }
    var accountId: Int64?
    var name, address, timeZone: String?
    var latitude, longitude: DecimalString?
    var accessNotes: String?
    var main: Bool?
}

/// An entry of the travel-times table; `minutes` null removes it (the estimate applies again).
struct TravelTimeInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case fromSiteId, toSiteId, minutes }
    var fromSiteId, toSiteId: Int64
    var minutes: Int?
}

/// Names the site of a project or an assignment, or a person's home base; null: none
/// (a project or assignment then falls back to its account's main site).
struct PlacementInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case siteId }
    var siteId: Int64?
}

/// A person's day plans over some days, as the API answers them.
struct DayPlansRecord: Encodable, Sendable {
    struct Day: Encodable, Sendable {
        struct Stop: Encodable, Sendable {
            var siteId: Int64
            var siteName: String
            var hours: DecimalString
            var assignmentIds: [Int64]
        }
        var date: CalendarDate
        var workingHours, workHours, travelHours, freeHours: DecimalString
        var travelMinutes: Int
        var stops: [Stop]
        var travel: [TravelLeg]
        var flags: [DayPlan.Flag]
        var farthestApartKm: DecimalString?
    }
    var userId: Int64
    var from, to: CalendarDate
    var homeSiteId: Int64?
    var days: [Day]
}

/// Everything done to sites, travel times and where people work, whoever asks.
/// Who may: an account's sites are kept by those who change the pipeline and see the
/// account; the firm's own places and the travel table by admins and managers; a
/// project's or assignment's site by those who run the project; a home base by the
/// person or an admin.
struct SiteActions: RecordActions {
    let services: AppServices
    var store: SiteStore { SiteStore() }

    func create(_ db: Connection, caller: Caller, input: SiteInput) async throws -> SiteRecord {
        try await requireKeeper(db, caller, accountID: input.accountId)
        var v = Validator()
        v.check(input.name != nil, "name", "Name is required")
        let fields = SiteFields(
            accountID: input.accountId, name: input.name?.trimmed ?? "", address: input.address?.trimmed.nilIfEmpty,
            timeZone: input.timeZone?.trimmed ?? "UTC", latitude: input.latitude?.value, longitude: input.longitude?.value,
            accessNotes: input.accessNotes?.trimmed.nilIfEmpty, isMain: input.main ?? false)
        Self.check(fields, into: &v)
        try v.throwIfInvalid()
        return try await store.create(db, fields, caller: caller)
    }

    func change(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: SiteInput, keys: Set<String>) async throws -> SiteRecord {
        let before = try await writable(db, caller: caller, id: id, expected: expected)
        var f = SiteFields(accountID: before.accountId, name: before.name, address: before.address, timeZone: before.timeZone,
                           latitude: before.latitude?.value, longitude: before.longitude?.value, accessNotes: before.accessNotes,
                           isMain: before.main)
        var v = Validator()
        v.check(!keys.contains("accountId") || input.accountId == before.accountId, "accountId", "A site stays with its account")
        if keys.contains("name") { f.name = input.name?.trimmed ?? "" }
        if keys.contains("address") { f.address = input.address?.trimmed.nilIfEmpty }
        if keys.contains("timeZone") { f.timeZone = input.timeZone?.trimmed ?? "" }
        if keys.contains("latitude") { f.latitude = input.latitude?.value }
        if keys.contains("longitude") { f.longitude = input.longitude?.value }
        if keys.contains("accessNotes") { f.accessNotes = input.accessNotes?.trimmed.nilIfEmpty }
        if keys.contains("main") { f.isMain = input.main ?? false }
        Self.check(f, into: &v)
        try v.throwIfInvalid()
        return try await store.update(db, before: before, to: f, caller: caller)
    }

    func archive(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws {
        try await store.archive(db, try await writable(db, caller: caller, id: id, expected: expected), caller: caller)
    }

    /// The site as the caller may change it: seen (else 404), kept by them (else 403),
    /// at the version they hold (else 412). A writer who is not assigned there does
    /// not see the access notes, so their copy keeps them as they are.
    private func writable(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws -> SiteRecord {
        guard var before = try await store.find(db, id: id, caller: caller, forUpdate: true) else { throw APIError.notFound("site") }
        try await requireKeeper(db, caller, accountID: before.accountId)
        try ETag.requireCurrent(expected, before.version)
        if !before.accessNotesVisible {
            before.accessNotes = try await db.query("SELECT access_notes FROM sites WHERE id = \(id)").first?.decode("access_notes")
        }
        return before
    }

    private func requireKeeper(_ db: Connection, _ caller: Caller, accountID: Int64?) async throws {
        guard let accountID else {
            guard Self.keepsFirmPlaces(caller) else { throw APIError.forbidden("Only admins and managers keep the firm's own places.") }
            return
        }
        try Scope.requireWriter(caller)
        guard try await store.accountVisible(db, accountID: accountID, caller: caller) else {
            throw ValidationFailure("accountId", "No account with id \(accountID) is visible to you")
        }
    }

    static func keepsFirmPlaces(_ caller: Caller) -> Bool { caller.isAdmin || caller.roles.contains(.manager) }

    static func check(_ f: SiteFields, into v: inout Validator) {
        v.check(!f.name.isEmpty && f.name.count <= 200, "name", "Name must be 1 to 200 characters")
        v.check((f.address?.count ?? 0) <= 500, "address", "Address must be at most 500 characters")
        v.check(TimeZone(identifier: f.timeZone) != nil, "timeZone", "Time zone must be a zone name such as Europe/Brussels")
        v.check((f.latitude == nil) == (f.longitude == nil), "latitude", "Give both latitude and longitude, or neither")
        v.check(f.latitude.map { (-90...90).contains($0) && $0.significantScale <= 6 } ?? true, "latitude",
                "Latitude must be from -90 to 90 with at most six decimals")
        v.check(f.longitude.map { (-180...180).contains($0) && $0.significantScale <= 6 } ?? true, "longitude",
                "Longitude must be from -180 to 180 with at most six decimals")
        v.check((f.accessNotes?.count ?? 0) <= 2000, "accessNotes", "Access notes must be at most 2000 characters")
        v.check(!f.isMain || f.accountID != nil, "main", "Only a client's site can be its account's main site")
    }

    // MARK: Travel times

    func setTravelTime(_ db: Connection, caller: Caller, input: TravelTimeInput) async throws -> [TravelTimeRecord] {
        guard Self.keepsFirmPlaces(caller) else { throw APIError.forbidden("Only admins and managers keep the travel times.") }
        var v = Validator()
        v.check(input.fromSiteId != input.toSiteId, "toSiteId", "A travel time joins two different sites")
        v.check(input.minutes.map { (0...1440).contains($0) } ?? true, "minutes", "Minutes must be from 0 to 1440")
        for (field, id) in [("fromSiteId", input.fromSiteId), ("toSiteId", input.toSiteId)]
        where try await store.find(db, id: id, caller: caller) == nil {
            v.add(field, "No site with id \(id) is visible to you")
        }
        try v.throwIfInvalid()
        try await store.setTravelTime(db, between: input.fromSiteId, and: input.toSiteId, minutes: input.minutes, by: caller.id)
        return try await store.travelTimes(db)
    }

    // MARK: Where projects, assignments and people are

    /// Names a project's site: a site of the project's account (or a firm place).
    func placeProject(_ db: Connection, caller: Caller, projectID: Int64, siteID: Int64?) async throws {
        let project = try await DeliveryActions(services: services).managed(db, caller: caller, projectID: projectID)
        try await requireSite(db, caller, siteID, accountID: project.accountId)
        try await store.place(db, .project, id: project.id, siteID: siteID, by: caller.id)
    }

    /// Names an assignment's site, and tells the person when it changes a day within the next 14.
    func placeAssignment(_ db: Connection, caller: Caller, projectID: Int64, assignmentID: Int64, siteID: Int64?) async throws {
        let project = try await DeliveryActions(services: services).managed(db, caller: caller, projectID: projectID)
        guard let assignment = try await services.delivery.assignment(db, projectID: project.id, id: assignmentID, forUpdate: true) else {
            throw APIError.notFound("assignment")
        }
        try await requireSite(db, caller, siteID, accountID: project.accountId)
        let before = try await store.assignmentSite(db, assignmentID: assignmentID)
        let placeBefore = try await store.feedSites(db, userID: assignment.userId)[assignmentID]?.location ?? assignment.location
        try await store.place(db, .assignment, id: assignmentID, siteID: siteID, by: caller.id)
        // A change of place within the next 14 days is news to the person: the changed
        // invitation, with the new site as its location.
        let today = Timestamp.now.calendarDate
        if try await store.assignmentSite(db, assignmentID: assignmentID) != before,
           assignment.start < today.adding(days: 14), assignment.end >= today,
           let after = try await services.delivery.assignment(db, projectID: project.id, id: assignmentID) {
            try await NotificationEvents.assignment(db, before: assignment, after: after, by: caller.id, placeBefore: placeBefore)
        }
    }

    /// Sets a person's home base: one of the firm's own places. Their own, or an admin's to set.
    func placeHomeBase(_ db: Connection, caller: Caller, userID: Int64, siteID: Int64?) async throws {
        guard try await services.users.find(db, id: userID, visibleTo: caller) != nil else { throw APIError.notFound("person") }
        guard caller.isAdmin || caller.id == userID else { throw APIError.forbidden("Only the person or an admin sets a home base.") }
        try await requireSite(db, caller, siteID, accountID: nil)
        try await store.place(db, .homeBase, id: userID, siteID: siteID, by: caller.id)
    }

    /// `siteID` names a live site the caller sees, of `accountID` or the firm's own.
    private func requireSite(_ db: Connection, _ caller: Caller, _ siteID: Int64?, accountID: Int64?) async throws {
        guard let siteID else { return }
        guard let site = try await store.find(db, id: siteID, caller: caller), !site.archived else {
            throw ValidationFailure("siteId", "No site with id \(siteID) is visible to you")
        }
        guard site.accountId == nil || site.accountId == accountID else {
            throw ValidationFailure("siteId", accountID == nil ? "A home base is one of the firm's own places"
                                                               : "The site belongs to another account")
        }
    }

    // MARK: Day plans

    /// A person's plan for each day from `from` up to but not including `to`.
    func dayPlans(_ db: Connection, caller: Caller, userID: Int64, from: CalendarDate, to: CalendarDate) async throws -> DayPlansRecord {
        guard try await services.users.find(db, id: userID, visibleTo: caller) != nil else { throw APIError.notFound("person") }
        var v = Validator()
        v.check(to > from, "to", "to must be after from")
        v.check(from.days(until: to) <= 92, "to", "At most 92 days at a time")
        try v.throwIfInvalid()
        guard let calendar = try await WorkingCalendarStore().calendar(db, userID: userID, from: from, to: to) else {
            throw APIError.notFound("person")
        }
        let (home, bookings) = try await store.dayPlanInputs(db, userID: userID, from: from, to: to)
        let plans = DayPlanner.plans(from: from, to: to, homeBase: home, bookings: bookings, calendar: calendar,
                                     travel: try await store.travel(db))
        return DayPlansRecord(userId: userID, from: from, to: to, homeSiteId: home?.id, days: plans.map(Self.day))
    }

    /// The person's travel, one all-day event per day that has some, for their calendar feed.
    func travelEvents(_ db: Connection, userID: Int64, from: CalendarDate, to: CalendarDate, stamp: String) async throws -> [CalendarEvent] {
        guard let calendar = try await WorkingCalendarStore().calendar(db, userID: userID, from: from, to: to) else { return [] }
        let (home, bookings) = try await store.dayPlanInputs(db, userID: userID, from: from, to: to)
        guard !bookings.isEmpty else { return [] }
        let travel = try await store.travel(db)
        return DayPlanner.plans(from: from, to: to, homeBase: home, bookings: bookings, calendar: calendar, travel: travel)
            .compactMap { SiteCalendar.travelEvent(userID: userID, plan: $0, homeBase: home, stamp: stamp) }
    }

    /// The capacity check's travel (issue 24): the days of booking `f` on project
    /// `projectID` (a change of assignment `except`, or a new one) on which the person's
    /// work plus travel passes their `calendar`'s hours.
    /// A new booking is at the project's site unless `siteOf` names an assignment whose site it takes.
    func travelOverbookedDays(_ db: Connection, _ f: AssignmentFields, projectID: Int64, except assignmentID: Int64?, siteOf: Int64? = nil,
                              calendar: WorkingCalendar) async throws -> [DayLoad] {
        let (home, existing) = try await store.dayPlanInputs(db, userID: f.userID, from: f.booking.start, to: f.booking.end)
        let siteID = if let at = assignmentID ?? siteOf { try await store.assignmentSite(db, assignmentID: at) }
                     else { try await store.projectSite(db, projectID: projectID) }
        // A new assignment has no id yet: 0 is none of the others'.
        let id = assignmentID ?? 0
        let site = try await store.places(db, ids: siteID.map { [$0] } ?? []).values.first
        return TravelOverbooking.overbookedDays(
            calendar: calendar, existing: existing,
            adding: SiteBooking(assignmentId: id, site: site ?? Place(id: -id, name: "No site"), booking: f.booking),
            homeBase: home, travel: try await store.travel(db))
    }

    static func day(_ plan: DayPlan) -> DayPlansRecord.Day {
        .init(date: plan.day, workingHours: DecimalString(plan.workingHours), workHours: DecimalString(plan.workHours),
              travelHours: DecimalString(plan.travelHours.rounded(scale: 2)), freeHours: DecimalString(plan.freeHours.rounded(scale: 2)),
              travelMinutes: plan.travelMinutes,
              stops: plan.stops.map { .init(siteId: $0.site.id, siteName: $0.site.name, hours: DecimalString($0.hours), assignmentIds: $0.assignmentIds) },
              travel: plan.legs, flags: DayPlan.Flag.allCases.filter(plan.flags.contains),
              farthestApartKm: plan.farthestApartKm.map { DecimalString(Decimal($0).rounded(scale: 1)) })
    }
}
