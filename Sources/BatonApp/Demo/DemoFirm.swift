import BatonCore
import Foundation
import Logging
import Postgres

/// A small technical-services firm to explore Baton with: an admin, a head of
/// sales and a head of delivery, their account managers, sales people, project
/// managers and consultants, with skills and reporting lines, and their book of
/// business (see `DemoPipeline`). Every demo person
/// signs in with the password `baton-demo`. Deterministic: the same firm every time.
struct DemoFirm {
    static let password = "baton-demo"
    let services: AppServices
    /// With the accounts, contacts, opportunities and activities, or the people alone.
    var withBusiness = true

    struct Person {
        var key, name: String
        var roles: [Role]
        var manager: String?
        var location: String
        var capacity: Decimal = 40
        var skills: [(String, Int)] = []
    }

    static let people: [Person] = [
        Person(key: "admin", name: "Ada Admin", roles: [.admin], manager: nil, location: "Denver, CO"),
        Person(key: "morgan.reyes", name: "Morgan Reyes", roles: [.manager], manager: nil, location: "Denver, CO"),
        Person(key: "priya.shah", name: "Priya Shah", roles: [.manager], manager: nil, location: "Denver, CO",
               skills: [("project management", 5)]),
        Person(key: "ana.torres", name: "Ana Torres", roles: [.accountManager], manager: "morgan.reyes", location: "Portland, OR"),
        Person(key: "ben.okafor", name: "Ben Okafor", roles: [.accountManager], manager: "morgan.reyes", location: "Seattle, WA"),
        Person(key: "chloe.martin", name: "Chloe Martin", roles: [.accountManager], manager: "morgan.reyes", location: "Denver, CO"),
        Person(key: "dev.patel", name: "Dev Patel", roles: [.sales], manager: "morgan.reyes", location: "Denver, CO",
               skills: [("writing", 4)]),
        Person(key: "erin.walsh", name: "Erin Walsh", roles: [.sales], manager: "morgan.reyes", location: "Boulder, CO",
               skills: [("writing", 3)]),
        Person(key: "felix.braun", name: "Felix Braun", roles: [.projectManager], manager: "priya.shah", location: "Denver, CO",
               skills: [("project management", 4), ("network engineering", 3)]),
        Person(key: "grace.kim", name: "Grace Kim", roles: [.projectManager], manager: "priya.shah", location: "Portland, OR",
               skills: [("project management", 4), ("cloud architecture", 3)]),
        Person(key: "hiro.tanaka", name: "Hiro Tanaka", roles: [.projectManager], manager: "priya.shah", location: "Seattle, WA",
               skills: [("project management", 3), ("security", 3)]),
        Person(key: "ivy.chen", name: "Ivy Chen", roles: [.consultant], manager: "felix.braun", location: "Denver, CO",
               skills: [("network engineering", 5), ("security", 3)]),
        Person(key: "jon.alvarez", name: "Jon Alvarez", roles: [.consultant], manager: "felix.braun", location: "Boulder, CO",
               skills: [("network engineering", 4), ("cabling", 5)]),
        Person(key: "kara.novak", name: "Kara Novak", roles: [.consultant], manager: "grace.kim", location: "Portland, OR",
               skills: [("cloud architecture", 5), ("data engineering", 3)]),
        Person(key: "liam.obrien", name: "Liam O'Brien", roles: [.consultant], manager: "grace.kim", location: "Portland, OR",
               capacity: 32, skills: [("data engineering", 4), ("writing", 3)]),
        Person(key: "maya.singh", name: "Maya Singh", roles: [.consultant], manager: "hiro.tanaka", location: "Seattle, WA",
               skills: [("security", 5), ("network engineering", 3)]),
        Person(key: "noah.fischer", name: "Noah Fischer", roles: [.consultant], manager: "hiro.tanaka", location: "Seattle, WA",
               skills: [("security", 4), ("training", 4)]),
        Person(key: "omar.haddad", name: "Omar Haddad", roles: [.consultant], manager: "priya.shah", location: "Denver, CO",
               capacity: 24, skills: [("training", 5), ("writing", 4)]),
    ]

    static func email(_ key: String) -> String { "\(key)@demo.test" }

    /// Loads the firm when the database has nobody in it yet. Returns whether it did.
    @discardableResult
    func loadIfEmpty() async throws -> Bool {
        let pool = services.pool
        if try await pool.withConnection({ try await services.users.count($0) }) > 0 { return false }
        try await load()
        services.logger.notice("loaded the demo firm: sign in as \(Self.email("admin")) with the password \(Self.password)")
        return true
    }

    func load() async throws {
        // One hash for the shared, published demo password: salting each copy
        // protects nothing here and would add seconds to every first start.
        let hash = try await Passwords.hash(Self.password)
        try await services.pool.withTransaction { db in
            // Another process may be loading it at the same moment.
            try await db.query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            if try await services.users.count(db) > 0 { return }
            // Through `PersonActions`, as `baton user add` and the admin would: the admin
            // from the console (there is nobody yet to ask), everyone else by the admin.
            let actions = PersonActions(services: services)
            var ids: [String: Int64] = [:]
            var admin: Caller?
            for person in Self.people {
                let input = PersonInput(
                    email: Self.email(person.key), name: person.name, roles: person.roles, managerId: person.manager.flatMap { ids[$0] },
                    weeklyCapacityHours: DecimalString(person.capacity), homeLocation: person.location, active: true)
                let created = if let admin {
                    try await actions.create(db, caller: admin, input: input, passwordHash: hash)
                } else {
                    try await actions.createFromConsole(db, input: input, passwordHash: hash)
                }
                ids[person.key] = created.id
                if admin == nil { admin = try await UserStore.caller(db, id: created.id) }
                if let admin, !person.skills.isEmpty {
                    _ = try await actions.setSkills(db, caller: admin, id: created.id,
                                                    items: person.skills.map { SkillLevelInput(skill: $0.0, level: $0.1) })
                }
            }
            if withBusiness {
                let today = Timestamp.now.calendarDate
                var pipeline = DemoPipeline(services: services, people: ids, today: today)
                try await pipeline.load(db)
                try await DemoCatalog(services: services, people: ids, today: today).load(db)
                try await DemoDelivery(services: services, people: ids, today: today).load(db)
                try await DemoSites(services: services, people: ids).load(db)
                try await DemoBonus(services: services, people: ids, today: today).load(db)
                try await DemoTimeOff(services: services, people: ids, today: today).load(db)
                try await DemoAgreements(services: services, people: ids, today: today).load(db)
            }
        }
    }
}
