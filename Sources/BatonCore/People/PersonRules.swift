import Foundation

/// The rules a person's record must keep, checked before anything is stored.
public enum PersonRules {
    public static let minimumPasswordLength = 8
    public static let maximumPasswordLength = 72  // bcrypt reads no further

    /// Emails compare without regard to case; stored as given, trimmed.
    public static func emailKey(_ email: String) -> String { email.trimmed.lowercased() }

    public static func checkEmail(_ email: String, into v: inout Validator, field: String = "email") {
        let e = email.trimmed
        let parts = e.split(separator: "@", omittingEmptySubsequences: false)
        let ok = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && e.count <= 254 && !e.contains(where: \.isWhitespace)
        v.check(ok, field, "Email must look like name@example.com")
    }

    public static func checkName(_ name: String, into v: inout Validator, field: String = "name") {
        let n = name.trimmed
        v.check(!n.isEmpty, field, "Name must not be empty")
        v.check(n.count <= 200, field, "Name must be at most 200 characters")
    }

    public static func checkPassword(_ password: String, into v: inout Validator, field: String = "password") {
        v.check(password.count >= minimumPasswordLength, field,
                "Password must be at least \(minimumPasswordLength) characters")
        v.check(password.utf8.count <= maximumPasswordLength, field,
                "Password must be at most \(maximumPasswordLength) bytes")
    }

    public static func checkCapacity(_ hours: Decimal, into v: inout Validator, field: String = "weeklyCapacityHours") {
        v.check(hours >= 0 && hours <= 168, field, "Weekly capacity must be between 0 and 168 hours")
        v.check(hours.significantScale <= 2, field, "Weekly capacity must have at most two decimals")
    }

    public static func checkRoles(_ roles: [Role], into v: inout Validator, field: String = "roles") {
        v.check(Set(roles).count == roles.count, field, "Roles must not repeat")
    }

    public static func checkSkillLevel(_ level: Int, into v: inout Validator, field: String) {
        v.check((1...5).contains(level), field, "Skill level must be from 1 to 5")
    }
}
