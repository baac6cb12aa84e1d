import BatonCore
import Testing

/// The change rights as a table, without a database: every standing against every
/// kind of change, written out by hand.
@Suite struct ChangeRightsRuleTests {
    @Test func standingIsTheStrongestRelationTheCallerHas() {
        #expect(Standing.of(isAdmin: true, callerID: 1, ownerID: 2, ownerInLine: false) == .admin)
        #expect(Standing.of(isAdmin: false, callerID: 2, ownerID: 2, ownerInLine: true, teamInLine: true) == .owner)
        #expect(Standing.of(isAdmin: false, callerID: 1, ownerID: 2, ownerInLine: true, teamInLine: true) == .line)
        #expect(Standing.of(isAdmin: false, callerID: 1, ownerID: 2, ownerInLine: false, teamInLine: true) == .team)
        #expect(Standing.of(isAdmin: false, callerID: 1, ownerID: 2, ownerInLine: false) == .other)
        // Nobody's account: nobody stands above its owner.
        #expect(Standing.of(isAdmin: false, callerID: 1, ownerID: nil, ownerInLine: true) == .other)
    }

    @Test func dealChangesByStanding() {
        let cases: [(Set<String>, [Standing: Bool])] = [
            (["ownerId"], [.admin: true, .owner: true, .line: true, .team: false, .other: false]),
            (["team"], [.admin: true, .owner: true, .line: true, .team: false, .other: false]),
            (["accountId"], [.admin: true, .owner: true, .line: true, .team: false, .other: false]),
            (["stage", "closedOn"], [.admin: true, .owner: true, .line: true, .team: true, .other: false]),
            (["amount"], [.admin: true, .owner: true, .line: true, .team: true, .other: false]),
            (["amount", "ownerId"], [.admin: true, .owner: true, .line: true, .team: false, .other: false]),
        ]
        for (fields, expected) in cases {
            for (standing, allowed) in expected {
                let ok = (try? DealChangeRights.checkChange(standing, fields: fields)) != nil
                #expect(ok == allowed, "\(standing) changing \(fields.sorted())")
            }
        }
        for standing in Standing.allCases {
            #expect(((try? DealChangeRights.checkArchive(standing)) != nil) == (standing <= .line), "\(standing) archives")
        }
    }

    @Test func aRefusedCreditChangeNamesTheField() {
        #expect(throws: ChangeRefused("Only the deal's owner, their managers and admins change its owner; ask the owner.", field: "ownerId")) {
            try DealChangeRights.checkChange(.team, fields: ["ownerId", "amount"])
        }
    }

    @Test func accountChangesByStanding() {
        for standing in Standing.allCases {
            let owned = (try? AccountChangeRights.checkChange(standing, hasOwner: true)) != nil
            #expect(owned == (standing <= .line), "\(standing) changes an owned account")
            #expect((try? AccountChangeRights.checkChange(standing, hasOwner: false)) != nil, "\(standing) changes an unowned account")
            #expect(((try? AccountChangeRights.checkArchive(standing)) != nil) == (standing <= .line))
            #expect(((try? ActivityChangeRights.checkChange(standing)) != nil) == (standing <= .line))
        }
    }
}
