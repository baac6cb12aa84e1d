import BatonCore
import Foundation
import Postgres

/// The small reads the pickers and lists of the pages need: names, choices, skill holders.
extension UserStore {
    struct Choice: Sendable { var id: Int64; var name: String; var active: Bool }

    /// Everyone `caller` may see, by name: for pickers and for naming ids.
    func choices(_ db: Connection, visibleTo caller: Caller) async throws -> [Choice] {
        try await db.query("""
            SELECT u.id, u.name, u.active FROM users u WHERE \(Self.scope(caller)) ORDER BY lower(u.name), u.id
            """).map { Choice(id: try $0.decode("id"), name: try $0.decode("name"), active: try $0.decode("active")) }
    }

    /// Names of people by id, whoever they are (a project's manager on a list).
    func names(_ db: Connection, ids: [Int64]) async throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        var names: [Int64: String] = [:]
        for row in try await db.query("SELECT id, name FROM users WHERE id = ANY(\(ids))") {
            names[try row.decode("id")] = try row.decode("name")
        }
        return names
    }

    /// Who has each of these skills, at what level, best first.
    func holders(_ db: Connection, skillIDs: [Int64]) async throws -> [Int64: [(name: String, level: Int)]] {
        guard !skillIDs.isEmpty else { return [:] }
        var holders: [Int64: [(name: String, level: Int)]] = [:]
        for row in try await db.query("""
            SELECT us.skill_id, u.name, us.level FROM user_skills us JOIN users u ON u.id = us.user_id
            WHERE us.skill_id = ANY(\(skillIDs)) AND u.active ORDER BY us.level DESC, lower(u.name)
            """) {
            holders[try row.decode("skill_id"), default: []].append((try row.decode("name"), try row.decode("level")))
        }
        return holders
    }

    /// Every skill's name, for suggesting while typing.
    func skillNames(_ db: Connection) async throws -> [String] {
        try await db.query("SELECT name FROM skills ORDER BY lower(name)").map { try $0.decode("name") }
    }
}


/// A person picker's option, chosen or not.
struct PersonOption: Sendable { var id: Int64; var name: String; var selected: Bool }

extension UserStore {
    /// Everyone active `caller` may see, by name: who a piece of work can be given to.
    func activeChoices(_ db: Connection, visibleTo caller: Caller) async throws -> [Choice] {
        try await choices(db, visibleTo: caller).filter(\.active)
    }

    /// A person picker's options: `everyone` (from `activeChoices`), with `current`
    /// first when it is not among them (the person on a piece of work stays a choice
    /// even outside the caller's view of the firm), `selected` marked.
    static func personOptions(_ everyone: [Choice], current: (id: Int64, name: String)?, selected: Int64?) -> [PersonOption] {
        let kept = current.flatMap { c in everyone.contains { $0.id == c.id } ? nil : PersonOption(id: c.id, name: c.name, selected: selected == c.id) }
        return (kept.map { [$0] } ?? []) + everyone.map { PersonOption(id: $0.id, name: $0.name, selected: $0.id == selected) }
    }
}
