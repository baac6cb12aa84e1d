import Dates
import Foundation

/// What internal (non-project) time is spent on.
public enum InternalWork: String, CaseIterable, Codable, Sendable {
    case training
    case preSales = "pre_sales"
    case admin
}

/// Where a time entry stands. Approved entries are locked: a correction is a new entry.
public enum TimeEntryStatus: String, CaseIterable, Codable, Sendable {
    case draft, submitted, approved, returned

    /// Whether the person may still change or delete the entry.
    public var isOpen: Bool { self == .draft || self == .returned }
}

/// The rules of a timesheet, without a database: weeks begin on Monday, a day holds
/// at most 24 hours, and no time is booked on a day of approved time off.
public enum TimesheetRules {
    public static let maximumHoursPerDay: Decimal = 24

    /// The Monday of `day`'s week.
    public static func weekStart(of day: CalendarDate) -> CalendarDate {
        day.adding(days: -(day.isoWeekday - 1))
    }

    /// The seven days of the week that begins on `monday`.
    public static func days(of monday: CalendarDate) -> [CalendarDate] {
        (0..<7).map { monday.adding(days: $0) }
    }

    /// Why `hours` cannot be added on `day` for a person who already has `booked`
    /// hours that day; `offHours` is the day's approved time off (nil: none; 0 or more:
    /// the hours off, where a whole day off is the day's working hours). nil: it can.
    public static func refusal(day: CalendarDate, hours: Decimal, booked: Decimal, timeOff: Bool) -> String? {
        if hours <= 0 { return "Hours must be more than 0" }
        if hours > maximumHoursPerDay { return "A day holds at most 24 hours" }
        if hours.rounded(scale: 2) != hours { return "Hours are recorded to the hundredth (0.25, not 0.125)" }
        if timeOff { return "\(day) is a day of approved time off: no time is recorded on it" }
        if booked + hours > maximumHoursPerDay {
            return "\(day) would hold \((booked + hours).plainText) hours; a day holds at most 24 (\(booked.plainText) already recorded)"
        }
        return nil
    }
}

/// Hours, cost and value of some work, and the margin they leave. Every figure is
/// exact until shown; the margin percentage is one rounded quotient.
public struct ProfitFigures: Sendable, Equatable {
    public var hours, cost, value: Decimal

    public init(hours: Decimal, cost: Decimal, value: Decimal) {
        self.hours = hours
        self.cost = cost
        self.value = value
    }

    public var margin: Decimal { value - cost }

    /// Margin as a percentage of value, to two places; nil without value.
    public var marginPercent: Decimal? {
        value == 0 ? nil : Decimal.roundedQuotient(margin * 100, value, scale: 2)
    }

    public static func + (a: ProfitFigures, b: ProfitFigures) -> ProfitFigures {
        ProfitFigures(hours: a.hours + b.hours, cost: a.cost + b.cost, value: a.value + b.value)
    }

    public static let zero = ProfitFigures(hours: 0, cost: 0, value: 0)
}

/// A person's cost rates over time: the rate in force on a day is the latest whose
/// effective date is on or before it.
public struct CostRateHistory: Sendable {
    public var rates: [(from: CalendarDate, hourly: Decimal)]

    public init(_ rates: [(from: CalendarDate, hourly: Decimal)]) {
        self.rates = rates.sorted { $0.from < $1.from }
    }

    public func rate(on day: CalendarDate) -> Decimal? {
        rates.last { $0.from <= day }?.hourly
    }
}

/// The bonus plan's "to standard" option: a phase completed within `tolerancePercent`
/// of its budget hours (110 means actual ≤ 110% of budget) keeps full credit; beyond
/// it, `reducedCreditPercent` of the credit it would otherwise earn. A phase without
/// budget hours is within tolerance.
public struct BudgetTolerance: Sendable, Hashable, Codable {
    public var tolerancePercent, reducedCreditPercent: Decimal

    public init(tolerancePercent: Decimal, reducedCreditPercent: Decimal) {
        self.tolerancePercent = tolerancePercent
        self.reducedCreditPercent = reducedCreditPercent
    }

    public func isWithin(budgetHours: Decimal, actualHours: Decimal) -> Bool {
        budgetHours <= 0 || actualHours * 100 <= budgetHours * tolerancePercent
    }

    /// The exact credit of a phase whose credit before this rule is `credit`.
    public func credit(_ credit: Decimal, budgetHours: Decimal, actualHours: Decimal) -> Decimal {
        isWithin(budgetHours: budgetHours, actualHours: actualHours) ? credit : credit * reducedCreditPercent / 100
    }

    /// The statement's words for a phase over tolerance, money written as the rest of the statement writes it.
    public func explanation(phase: String, budgetHours: Decimal, actualHours: Decimal, before: Decimal, after: Decimal) -> String {
        let used = Decimal.roundedQuotient(actualHours * 100, budgetHours, scale: 1)
        return "\(phase) took \(actualHours.plainText) h against a budget of \(budgetHours.plainText) h (\(used.plainText)%), "
            + "beyond the \(tolerancePercent.plainText)% tolerance: credited at \(reducedCreditPercent.plainText)% of "
            + "\(BonusCalculator.money(before)) = \(BonusCalculator.money(after))"
    }

    public var problems: [FieldError] {
        var v = Validator()
        v.check(tolerancePercent >= 100 && tolerancePercent <= 1000, "budgetTolerancePercent",
                "The budget tolerance must be from 100 to 1000 percent of the budget hours")
        v.check((0...100).contains(reducedCreditPercent), "overBudgetCreditPercent",
                "The credit over budget must be from 0 to 100 percent")
        return v.errors
    }
}

/// Utilization: billable hours over working hours, as a percentage to one place.
public enum Utilization {
    public static func percent(billable: Decimal, working: Decimal) -> Decimal? {
        working <= 0 ? nil : Decimal.roundedQuotient(billable * 100, working, scale: 1)
    }
}
