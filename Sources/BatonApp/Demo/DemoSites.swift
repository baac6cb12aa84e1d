import BatonCore
import Dates
import Foundation
import Postgres

/// The demo firm's map (issue 24), through `SiteActions` as an admin would set it: the
/// firm's three offices as its people's home bases, a main site for each client with a
/// project (in the client's city), a second site for the first of them with access
/// notes, and a few entered travel times; the rest are estimated from coordinates.
/// Consultants staff two projects at once (`DemoDelivery`), so on the days both run
/// they rotate from one client's site to the other's: their day plans and the rotation
/// board show home base → site A → site B.
struct DemoSites {
    let services: AppServices
    let people: [String: Int64]

    /// City centres (degrees), and their zones.
    static let cities: [String: (latitude: String, longitude: String, zone: String)] = [
        "Portland": ("45.5152", "-122.6784", "America/Los_Angeles"), "Seattle": ("47.6062", "-122.3321", "America/Los_Angeles"),
        "Denver": ("39.7392", "-104.9903", "America/Denver"), "Boulder": ("40.0150", "-105.2705", "America/Denver"),
        "Salt Lake City": ("40.7608", "-111.8910", "America/Denver"), "Boise": ("43.6150", "-116.2023", "America/Boise"),
        "Spokane": ("47.6588", "-117.4260", "America/Los_Angeles"), "Eugene": ("44.0521", "-123.0868", "America/Los_Angeles"),
    ]
    /// The firm's offices, and the cities whose people are based at each.
    static let offices: [(city: String, serves: [String])] = [("Denver", ["Denver", "Boulder"]), ("Portland", ["Portland"]), ("Seattle", ["Seattle"])]

    func load(_ db: Connection) async throws {
        guard let adminID = people["admin"] else { return }
        let admin = try await UserStore.caller(db, id: adminID)
        let sites = SiteActions(services: services)
        func input(_ name: String, city: String, account: Int64?, main: Bool = false, notes: String? = nil) -> SiteInput {
            let at = Self.cities[city]
            return SiteInput(accountId: account, name: name, address: account == nil ? "\(city) office" : nil, timeZone: at?.zone ?? "UTC",
                             latitude: at.flatMap { Decimal(string: $0.latitude) }.map(DecimalString.init),
                             longitude: at.flatMap { Decimal(string: $0.longitude) }.map(DecimalString.init),
                             accessNotes: notes, main: main)
        }
        var homes: [String: Int64] = [:]
        for office in Self.offices {
            let made = try await sites.create(db, caller: admin, input: input("\(office.city) office", city: office.city, account: nil))
            for city in office.serves { homes[city] = made.id }
        }
        for person in try await DemoStore.homeLocations(db) {
            guard let home = homes[String(person.location.prefix { $0 != "," })] else { continue }
            try await sites.placeHomeBase(db, caller: admin, userID: person.id, siteID: home)
        }
        var first: (main: Int64, second: Int64)?
        for (i, (account, name, city)) in try await DemoStore.clients(db).enumerated() {
            let main = try await sites.create(db, caller: admin, input: input("\(name), \(city.isEmpty ? "head office" : city)", city: city,
                                                                            account: account, main: true))
            if i == 0 {
                let plant = try await sites.create(db, caller: admin, input: input(
                    "\(name), plant", city: city, account: account, notes: "Badge at the gate house; visitors park in lot C."))
                first = (main.id, plant.id)
            }
        }
        // The first client's two sites are across town from each other: an entered time,
        // where the coordinates (the same city centre) would say no travel at all.
        if let first {
            _ = try await sites.setTravelTime(db, caller: admin, input: TravelTimeInput(fromSiteId: first.main, toSiteId: first.second, minutes: 35))
        }
    }
}
