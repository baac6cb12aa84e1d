import BatonCore
import Foundation
import HTTPTypes
import Postgres

/// A person's fields as a writer sends them: every one optional, so that a change
/// names only what it changes.
struct PersonInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case email, name, roles, managerId, weeklyCapacityHours, homeLocation, password, currentPassword, active
    }
    var email: String?
    var name: String?
    var roles: [Role]?
    var managerId: Int64?
    var weeklyCapacityHours: DecimalString?
    var homeLocation: String?
    var password: String?
    /// Required with `password` when people change their own: a stolen session
    /// or token alone must not be enough to take the account over for good.
    var currentPassword: String?
    var active: Bool?
}

/// One of a person's skills as a writer sends it.
struct SkillLevelInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case skill, level }
    var skill: String
    var level: Int
}

/// A new skill for the catalog.
struct NewSkillInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case name }
    var name: String
}

/// Changes to the firm's people and skills, whoever asks (the API, the admin pages,
/// `baton user …`): who may change what, the person rules of `PersonRules`, and the
/// store's audit entry, inside the caller's transaction.
struct PersonActions {
    let services: AppServices
    var store: UserStore { services.users }

    /// What people may change on their own record; the rest is an admin's.
    static let selfEditable: Set<String> = ["name", "homeLocation", "password", "currentPassword"]

    /// `passwordHash`, instead of the input's password: one hash made once for many
    /// people (the demo firm's shared, published password).
    func create(_ db: Connection, caller: Caller, input: PersonInput, passwordHash: String? = nil) async throws -> UserRecord {
        try Scope.requireAdmin(caller)
        return try await store.create(db, try await Self.newPerson(input, passwordHash: passwordHash), by: caller.id)
    }

    /// `baton user add`: the operator at the server's console, who may be making the
    /// very first admin, so no one signed in is asked; the rules are the API's.
    func createFromConsole(_ db: Connection, input: PersonInput, passwordHash: String? = nil) async throws -> UserRecord {
        try await store.create(db, try await Self.newPerson(input, passwordHash: passwordHash), by: nil)
    }

    /// Changes the fields in `keys` at the version the caller read. `address` is where
    /// the request came from: a wrong current password counts against it as a failed
    /// sign-in would.
    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: PersonInput, keys: Set<String>, address: String
    ) async throws -> UserRecord {
        if !caller.isAdmin {
            guard caller.id == id else {
                // Visible but not theirs: they may know it exists, so 403; else 404.
                let visible = try await store.find(db, id: id, visibleTo: caller) != nil
                throw visible ? APIError.forbidden("Only an admin may change another person's record.") : APIError.notFound("person")
            }
            let refused = keys.subtracting(Self.selfEditable)
            if !refused.isEmpty {
                throw APIError.forbidden("You may change only your own name, home location and password; an admin changes \(refused.sorted().joined(separator: ", ")).")
            }
        }
        var passwordHash: String?
        if let password = input.password {
            var v = Validator()
            PersonRules.checkPassword(password, into: &v)
            if caller.id == id {
                v.check(input.currentPassword.map { !$0.isEmpty } == true, "currentPassword",
                        "To change your own password, send your current password in currentPassword")
            }
            try v.throwIfInvalid()
            if caller.id == id, let current = input.currentPassword {
                try await checkCurrentPassword(current, of: caller, address: address)
            }
            passwordHash = try await Passwords.hash(password)
        } else if keys.contains("currentPassword") {
            throw ValidationFailure("currentPassword", "Send currentPassword only with a new password")
        }
        guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
            throw APIError.notFound("person")
        }
        try ETag.requireCurrent(expected, before.version)
        var after = NewPerson(
            email: before.email, name: before.name, roles: before.roles, managerID: before.managerId,
            weeklyCapacityHours: before.weeklyCapacityHours.value, homeLocation: before.homeLocation,
            passwordHash: nil, active: before.active)
        var v = Validator()
        for key in keys {
            switch key {
            case "email": if let e = input.email?.trimmed { after.email = e } else { v.add("email", "Email must not be null") }
            case "name": if let n = input.name?.trimmed { after.name = n } else { v.add("name", "Name must not be null") }
            case "roles": if let r = input.roles { after.roles = r } else { v.add("roles", "Roles must not be null; send [] for none") }
            case "managerId": after.managerID = input.managerId
            case "weeklyCapacityHours":
                if let h = input.weeklyCapacityHours { after.weeklyCapacityHours = h.value }
                else { v.add("weeklyCapacityHours", "Weekly capacity must not be null") }
            case "homeLocation": after.homeLocation = input.homeLocation?.trimmed
            case "active": if let a = input.active { after.active = a } else { v.add("active", "Active must not be null") }
            case "password": if input.password == nil { v.add("password", "Password must not be null") }
            default: break
            }
        }
        Self.check(after, password: nil, into: &v)
        if after.managerID == id { v.add("managerId", "A person cannot manage themselves") }
        if caller.id == id && before.roles.contains(.admin) && !after.roles.contains(.admin) {
            v.add("roles", "You cannot remove your own admin role; ask another admin")
        }
        if caller.id == id && !after.active {
            v.add("active", "You cannot deactivate yourself; ask an admin")
        }
        try v.throwIfInvalid()
        // Changing one's own password keeps the session or token it was done with.
        return try await store.update(db, before: before, to: after, passwordHash: passwordHash, by: caller.id,
                                      keeping: caller.id == id ? caller.credential : nil)
    }

    /// `baton user set-password`: the operator at the console resets anyone's password
    /// (the way back in for someone locked out); the password rules are the API's.
    func setPasswordFromConsole(_ db: Connection, email: String, password: String) async throws -> UserRecord? {
        var v = Validator()
        PersonRules.checkPassword(password, into: &v)
        try v.throwIfInvalid()
        guard let user = try await store.passwordHash(db, emailKey: PersonRules.emailKey(email)),
            let before = try await store.findAny(db, id: user.id)
        else { return nil }
        let same = NewPerson(
            email: before.email, name: before.name, roles: before.roles, managerID: before.managerId,
            weeklyCapacityHours: before.weeklyCapacityHours.value, homeLocation: before.homeLocation,
            passwordHash: nil, active: before.active)
        return try await store.update(db, before: before, to: same, passwordHash: try await Passwords.hash(password), by: before.id)
    }

    /// Replaces a person's skills: an admin, or a manager above them in the reporting line.
    func setSkills(_ db: Connection, caller: Caller, id: Int64, items: [SkillLevelInput]) async throws -> UserRecord {
        var v = Validator()
        v.check(items.count <= 100, "body", "At most 100 skills per person")
        var seen = Set<String>()
        var skills: [UserRecord.SkillLevel] = []
        for (i, item) in items.enumerated() {
            let name = item.skill.trimmed
            v.check((1...100).contains(name.count), "[\(i)].skill", "Skill must be 1 to 100 characters")
            PersonRules.checkSkillLevel(item.level, into: &v, field: "[\(i)].level")
            v.check(seen.insert(name.lowercased()).inserted, "[\(i)].skill", "Skill \(name) is listed twice")
            skills.append(.init(skill: name, level: item.level))
        }
        try v.throwIfInvalid()
        guard let user = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
            throw APIError.notFound("person")
        }
        let allowed = caller.isAdmin ? true : try await store.isManager(db, managerID: caller.id, of: id)
        guard allowed else { throw APIError.forbidden("Only an admin or the person's manager may set their skills.") }
        return try await store.setSkills(db, user: user, skills: skills, by: caller.id)
    }

    /// Adds a skill to the catalog (admins).
    func addSkill(_ db: Connection, caller: Caller, input: NewSkillInput) async throws -> UserStore.SkillRecord {
        try Scope.requireAdmin(caller)
        let name = input.name.trimmed
        guard (1...100).contains(name.count) else { throw ValidationFailure("name", "Name must be 1 to 100 characters") }
        return try await store.createSkill(db, name: name)
    }

    /// The new person the input describes, checked, with the password hashed.
    static func newPerson(_ input: PersonInput, passwordHash: String? = nil) async throws -> NewPerson {
        var v = Validator()
        v.check(input.email != nil, "email", "Email is required")
        v.check(input.name != nil, "name", "Name is required")
        v.check(input.roles != nil, "roles", "Roles are required (an empty list is allowed)")
        var person = NewPerson(
            email: input.email?.trimmed ?? "", name: input.name?.trimmed ?? "", roles: input.roles ?? [],
            managerID: input.managerId, weeklyCapacityHours: input.weeklyCapacityHours?.value ?? 40,
            homeLocation: input.homeLocation?.trimmed, passwordHash: nil, active: input.active ?? true)
        check(person, password: input.password, into: &v)
        try v.throwIfInvalid()
        if let password = input.password { person.passwordHash = try await Passwords.hash(password) }
        if let passwordHash { person.passwordHash = passwordHash }
        return person
    }

    /// Checks a person's current password before they set a new one, under the same
    /// throttle as signing in (so this is no way round it to guess a password), and
    /// audits a wrong one like a failed sign-in. The throttle writes in its own
    /// transactions, so that a wrong guess counts even though the change is refused.
    private func checkCurrentPassword(_ password: String, of caller: Caller, address: String) async throws {
        let emailKey = PersonRules.emailKey(caller.email)
        let throttle = services.throttle
        if let wait = try await services.pool.withConnection({ try await throttle.begin($0, emailKey: emailKey, address: address) }) {
            throw APIError(.tooManyRequests, code: "too-many-attempts", title: "Too many attempts",
                           detail: "Too many wrong passwords; wait \(SignIn.waitText(seconds: wait)) and try again.",
                           headers: [.retryAfter: String(wait)])
        }
        let stored = try await services.pool.withConnection { try await store.passwordHash($0, emailKey: emailKey) }
        let matches = try await Passwords.verify(password, hash: stored?.hash ?? Passwords.decoy)
        if matches, stored?.hash != nil {
            try await services.pool.withConnection { try await throttle.clear($0, emailKey: emailKey, address: address) }
            return
        }
        try await services.pool.withTransaction {
            try await throttle.finish($0, emailKey: emailKey, address: address, userID: caller.id, failure: .wrongPassword,
                                 via: "password change", actorID: caller.id)
        }
        throw APIError(.forbidden, code: "current-password-wrong", title: "Current password is wrong",
                       detail: "The current password is wrong; the password was not changed.",
                       errors: [FieldError("currentPassword", "The current password is wrong")])
    }

    private static func check(_ person: NewPerson, password: String?, into v: inout Validator) {
        if !person.email.isEmpty || v.errors.allSatisfy({ $0.field != "email" }) { PersonRules.checkEmail(person.email, into: &v) }
        if !person.name.isEmpty || v.errors.allSatisfy({ $0.field != "name" }) { PersonRules.checkName(person.name, into: &v) }
        PersonRules.checkRoles(person.roles, into: &v)
        PersonRules.checkCapacity(person.weeklyCapacityHours, into: &v)
        if let location = person.homeLocation { v.check(location.count <= 500, "homeLocation", "Home location must be at most 500 characters") }
        if let password { PersonRules.checkPassword(password, into: &v) }
        if let manager = person.managerID { v.check(manager > 0, "managerId", "Manager must be an existing person") }
    }
}
