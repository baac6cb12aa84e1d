import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/users` and `/skills`: the firm's people, their reporting lines and skills.
struct UserRoutes {
    let services: AppServices
    var store: UserStore { services.users }

    struct UserInput: StrictDecodable {
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

    struct SkillInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case skill, level }
        var skill: String
        var level: Int
    }

    struct NewSkillInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case name }
        var name: String
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("users") { request, context in try await list(request, context).response }
        api.post("users") { request, context in try await create(request, context).response }
        api.get("users/:id") { request, context in try await show(request, context).response }
        api.patch("users/:id") { request, context in try await update(request, context).response }
        api.put("users/:id/skills") { request, context in try await setSkills(request, context).response }
        api.get("skills") { request, context in
            _ = try context.requireCaller()
            let page = try PageRequest(request)
            return try APIResponse.json(try await services.pool.withConnection { try await store.listSkills($0, page: page) }).response
        }
        api.post("skills") { request, context in
            let caller = try context.requireAdmin()
            let body = try await JSON.body(of: request)
            let (input, _) = try JSON.decode(NewSkillInput.self, from: body)
            let name = input.name.trimmed
            guard (1...100).contains(name.count) else { throw ValidationFailure("name", "Name must be 1 to 100 characters") }
            return try await services.pool.withTransaction { db in
                try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                    try .json(try await store.createSkill(db, name: name), status: .created)
                }
            }.response
        }
    }

    func list(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let page = try PageRequest(request)
        let query = request.uri.queryParameters
        var filter = UserStore.Filter()
        filter.text = query["q"].map(String.init)
        if let role = query["role"] {
            guard let parsed = Role(rawValue: String(role)) else {
                throw ValidationFailure("role", "Role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.role = parsed
        }
        if let active = query["active"] {
            guard let parsed = Bool(String(active)) else { throw ValidationFailure("active", "Active must be true or false") }
            filter.active = parsed
        }
        let result = try await services.pool.withConnection { try await store.list($0, visibleTo: caller, filter: filter, page: page) }
        return try .json(result)
    }

    func show(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        guard let user = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller) }) else {
            throw APIError.notFound("person")
        }
        return try .json(user, headers: ETag.headers(user.version))
    }

    func create(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireAdmin()
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(UserInput.self, from: body)
        var v = Validator()
        v.check(input.email != nil, "email", "Email is required")
        v.check(input.name != nil, "name", "Name is required")
        v.check(input.roles != nil, "roles", "Roles are required (an empty list is allowed)")
        let person = NewPerson(
            email: input.email?.trimmed ?? "", name: input.name?.trimmed ?? "", roles: input.roles ?? [],
            managerID: input.managerId, weeklyCapacityHours: input.weeklyCapacityHours?.value ?? 40,
            homeLocation: input.homeLocation?.trimmed, passwordHash: nil, active: input.active ?? true)
        check(person, password: input.password, into: &v)
        try v.throwIfInvalid()
        var withPassword = person
        if let password = input.password { withPassword.passwordHash = try await Passwords.hash(password) }
        let ready = withPassword
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let user = try await store.create(db, ready, by: caller.id)
                var headers = ETag.headers(user.version)
                headers[.location] = "/api/v1/users/\(user.id)"
                return try .json(user, status: .created, headers: headers)
            }
        }
    }

    func update(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(UserInput.self, from: request)
        let selfEditable: Set<String> = ["name", "homeLocation", "password", "currentPassword"]
        if !caller.isAdmin {
            guard caller.id == id else {
                // Visible but not theirs: they may know it exists, so 403; else 404 below.
                let visible = try await services.pool.withConnection { try await store.find($0, id: id, visibleTo: caller) } != nil
                throw visible ? APIError.forbidden("Only an admin may change another person's record.") : APIError.notFound("person")
            }
            let refused = keys.subtracting(selfEditable)
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
                try await checkCurrentPassword(current, of: caller, context)
            }
            passwordHash = try await Passwords.hash(password)
        } else if keys.contains("currentPassword") {
            throw ValidationFailure("currentPassword", "Send currentPassword only with a new password")
        }
        let newPasswordHash = passwordHash
        let updated = try await services.pool.withTransaction { db in
            guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                throw APIError.notFound("person")
            }
            if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
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
                case "currentPassword": break
                default: break
                }
            }
            check(after, password: nil, into: &v)
            if after.managerID == id { v.add("managerId", "A person cannot manage themselves") }
            if caller.id == id && before.roles.contains(.admin) && !after.roles.contains(.admin) {
                v.add("roles", "You cannot remove your own admin role; ask another admin")
            }
            if caller.id == id && !after.active {
                v.add("active", "You cannot deactivate yourself; ask an admin")
            }
            try v.throwIfInvalid()
            // Changing one's own password keeps the session or token it was done with.
            return try await store.update(db, before: before, to: after, passwordHash: newPasswordHash, by: caller.id,
                                          keeping: caller.id == id ? caller.credential : nil)
        }
        return try .json(updated, headers: ETag.headers(updated.version))
    }

    /// Checks a person's current password before they set a new one, under the same
    /// throttle as signing in (so this is no way round it to guess a password), and
    /// audits a wrong one like a failed sign-in.
    private func checkCurrentPassword(_ password: String, of caller: Caller, _ context: BatonRequestContext) async throws {
        let emailKey = PersonRules.emailKey(caller.email)
        let address = ClientAddress.current ?? context.remoteAddress
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

    func setSkills(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let (input, _) = try await JSON.decode(StrictList<SkillInput>.self, from: request)
        var v = Validator()
        v.check(input.items.count <= 100, "body", "At most 100 skills per person")
        var seen = Set<String>()
        var skills: [UserRecord.SkillLevel] = []
        for (i, item) in input.items.enumerated() {
            let name = item.skill.trimmed
            v.check((1...100).contains(name.count), "[\(i)].skill", "Skill must be 1 to 100 characters")
            PersonRules.checkSkillLevel(item.level, into: &v, field: "[\(i)].level")
            v.check(seen.insert(name.lowercased()).inserted, "[\(i)].skill", "Skill \(name) is listed twice")
            skills.append(.init(skill: name, level: item.level))
        }
        try v.throwIfInvalid()
        let updated = try await services.pool.withTransaction { db in
            guard let user = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                throw APIError.notFound("person")
            }
            let allowed = caller.isAdmin ? true : try await store.isManager(db, managerID: caller.id, of: id)
            guard allowed else { throw APIError.forbidden("Only an admin or the person's manager may set their skills.") }
            return try await store.setSkills(db, user: user, skills: skills, by: caller.id)
        }
        return try .json(updated.skills, headers: ETag.headers(updated.version))
    }

    private func check(_ person: NewPerson, password: String?, into v: inout Validator) {
        if !person.email.isEmpty || v.errors.allSatisfy({ $0.field != "email" }) { PersonRules.checkEmail(person.email, into: &v) }
        if !person.name.isEmpty || v.errors.allSatisfy({ $0.field != "name" }) { PersonRules.checkName(person.name, into: &v) }
        PersonRules.checkRoles(person.roles, into: &v)
        PersonRules.checkCapacity(person.weeklyCapacityHours, into: &v)
        if let location = person.homeLocation { v.check(location.count <= 500, "homeLocation", "Home location must be at most 500 characters") }
        if let password { PersonRules.checkPassword(password, into: &v) }
        if let manager = person.managerID { v.check(manager > 0, "managerId", "Manager must be an existing person") }
    }
}
