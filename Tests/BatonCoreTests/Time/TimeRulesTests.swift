@testable import BatonCore
import Dates
import Foundation
import Testing

/// The timesheet's rules, the margin arithmetic and the bonus's budget tolerance, without a database.
@Suite struct TimeRulesTests {
    @Test func aWeekBeginsOnMonday() {
        #expect(TimesheetRules.weekStart(of: CalendarDate("2024-04-03")!) == CalendarDate("2024-04-01")!)
        #expect(TimesheetRules.weekStart(of: CalendarDate("2024-04-07")!) == CalendarDate("2024-04-01")!)
        #expect(TimesheetRules.weekStart(of: CalendarDate("2024-04-01")!) == CalendarDate("2024-04-01")!)
        #expect(TimesheetRules.days(of: CalendarDate("2024-04-01")!).last == CalendarDate("2024-04-07")!)
    }

    @Test func aDayHoldsAtMost24HoursAndNoneOnTimeOff() {
        let day = CalendarDate("2024-04-01")!
        #expect(TimesheetRules.refusal(day: day, hours: 4, booked: 20, timeOff: false) == nil)
        #expect(TimesheetRules.refusal(day: day, hours: Decimal(string: "4.01")!, booked: 20, timeOff: false)?.contains("at most 24") == true)
        #expect(TimesheetRules.refusal(day: day, hours: 25, booked: 0, timeOff: false) != nil)
        #expect(TimesheetRules.refusal(day: day, hours: 0, booked: 0, timeOff: false) != nil)
        #expect(TimesheetRules.refusal(day: day, hours: Decimal(string: "0.125")!, booked: 0, timeOff: false) != nil)
        #expect(TimesheetRules.refusal(day: day, hours: 1, booked: 0, timeOff: true)?.contains("time off") == true)
    }

    /// The hand case: 30,000.00 of value, 150 h at 50/h and 80 h at 70/h.
    @Test func theHandCaseMargin() {
        let a = ProfitFigures(hours: 150, cost: 150 * 50, value: 30000)
        let b = ProfitFigures(hours: 80, cost: 80 * 70, value: 0)
        let total = a + b
        #expect(total.hours == 230)
        #expect(total.cost == 13100)
        #expect(total.margin == 16900)
        #expect(total.marginPercent == Decimal(string: "56.33"))
        #expect(ProfitFigures(hours: 1, cost: 5, value: 0).marginPercent == nil)
        // A loss is a negative margin, rounded half away from zero.
        #expect(ProfitFigures(hours: 1, cost: Decimal(string: "100.005")!, value: 100).marginPercent == Decimal(string: "-0.01"))
    }

    @Test func costRatesAreEffectiveDated() {
        let history = CostRateHistory([(CalendarDate("2025-01-01")!, 58), (CalendarDate("2024-01-01")!, 55)])
        #expect(history.rate(on: CalendarDate("2023-12-31")!) == nil)
        #expect(history.rate(on: CalendarDate("2024-06-30")!) == 55)
        #expect(history.rate(on: CalendarDate("2025-01-01")!) == 58)
    }

    /// 110 % tolerance, 50 % credit beyond: 220 h of 200 is within, 230 h is not.
    @Test func theBudgetToleranceReducesCreditBeyondIt() {
        let rule = BudgetTolerance(tolerancePercent: 110, reducedCreditPercent: 50)
        #expect(rule.isWithin(budgetHours: 200, actualHours: 220))
        #expect(!rule.isWithin(budgetHours: 200, actualHours: Decimal(string: "220.01")!))
        #expect(rule.credit(30000, budgetHours: 200, actualHours: 230) == 15000)
        #expect(rule.credit(30000, budgetHours: 200, actualHours: 200) == 30000)
        #expect(rule.credit(30000, budgetHours: 0, actualHours: 10) == 30000)
        let words = rule.explanation(phase: "Design", budgetHours: 200, actualHours: 230, before: 30000, after: 15000)
        #expect(words == "Design took 230 h against a budget of 200 h (115%), beyond the 110% tolerance: credited at 50% of 30,000.00 = 15,000.00")
        #expect(rule.problems.isEmpty)
        #expect(BudgetTolerance(tolerancePercent: 90, reducedCreditPercent: 120).problems.count == 2)
    }

    @Test func utilization() {
        #expect(Utilization.percent(billable: 30, working: 40) == 75)
        #expect(Utilization.percent(billable: 1, working: 3) == Decimal(string: "33.3"))
        #expect(Utilization.percent(billable: 1, working: 0) == nil)
    }
}
