import Dates
import Foundation

/// What an assignment says, checked the same way whether it comes from the API, the
/// project page or a hand-off: the person, the role, the span, the weekly hours, where
/// and how firm it is, and the skill need it fills. Capacity is judged elsewhere
/// (`Overbooking`), against the person's working calendar.
public struct AssignmentFields: Sendable {
    public var userID: Int64
    public var role: String
    /// Both days included.
    public var start, end: CalendarDate
    public var hoursPerWeek: Decimal
    public var location: String?
    public var status: String
    /// The skill need it fills (phase and skill), or nil.
    public var need: (phaseID: Int64, skillID: Int64)?
    /// The field the hours were given in (`hoursPerWeek` or `hoursPerDay`): where a
    /// refusal about them is shown.
    public var hoursField: String

    public init(userID: Int64, role: String, start: CalendarDate, end: CalendarDate, hoursPerWeek: Decimal, location: String?,
                status: String, need: (phaseID: Int64, skillID: Int64)? = nil, hoursField: String = "hoursPerWeek") {
        self.userID = userID
        self.role = role
        (self.start, self.end) = (start, end)
        self.hoursPerWeek = hoursPerWeek
        self.location = location
        self.status = status
        self.need = need
        self.hoursField = hoursField
    }

    /// Every broken rule, each on the field the caller sent.
    public func check(into v: inout Validator) {
        v.check(!role.trimmed.isEmpty && role.count <= 100, "role", "Role must be 1 to 100 characters")
        v.check(end >= start, "end", "The end cannot be before the start")
        if hoursField == "hoursPerDay" {
            let day = Allocation.hoursPerDay(fromWeekly: hoursPerWeek)
            v.check(day > 0 && day <= 24, "hoursPerDay", "Hours per day must be more than 0 and at most 24")
            v.check(day.significantScale <= 2, "hoursPerDay", "Hours per day must have at most two decimals")
        } else {
            v.check(hoursPerWeek > 0 && hoursPerWeek <= 120, "hoursPerWeek", "Hours per week must be more than 0 and at most 120 (24 h on each of five days)")
            v.check(hoursPerWeek.significantScale <= 2, "hoursPerWeek", "Hours per week must have at most two decimals")
        }
        v.check((location?.count ?? 0) <= 500, "location", "Location must be at most 500 characters")
        v.check(["proposed", "confirmed"].contains(status), "status", "Status must be proposed or confirmed")
        v.check(start.days(until: end) <= 3650, "end", "An assignment can last at most ten years")
        v.check(start.year >= 1900 && end.year <= 9000, "end", "Assignments must fall between the years 1900 and 9000")
    }

    /// As the capacity rules count it: end exclusive.
    public var booking: Booking { Booking(start: start, end: end.adding(days: 1), hoursPerWeek: hoursPerWeek) }

    public var phaseID: Int64? { need?.phaseID }
    public var skillID: Int64? { need?.skillID }
}
