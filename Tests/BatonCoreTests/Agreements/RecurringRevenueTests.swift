import BatonCore
import Dates
import Foundation
import Testing

private func day(_ text: String) -> CalendarDate { CalendarDate(text)! }

/// The book of docs/recurring-revenue.md, by hand: Northwind (1), Contoso (2), Fabrikam (3).
enum HandBook {
    static let northwind: Int64 = 1, contoso: Int64 = 2, fabrikam: Int64 = 3
    static let entries = [
        // Managed support, 12 months from 1 Jan 2027, auto-renewing: renewed at 1,100 from 1 Jan 2028.
        BookEntry(accountId: northwind, mrr: 1_000, startOn: day("2027-01-01"),
                  stopsOn: BookEntry.stops(status: .renewed, endOn: day("2027-12-31"), closedOn: nil)),
        BookEntry(accountId: northwind, mrr: 1_100, startOn: day("2028-01-01"), renewed: 1_100),
        // The expansion: backup, from 1 May 2027.
        BookEntry(accountId: northwind, mrr: 300, startOn: day("2027-05-01")),
        // Helpdesk, six months from 1 Feb 2027, not renewed: ends 31 Jul 2027.
        BookEntry(accountId: contoso, mrr: 500, startOn: day("2027-02-01"),
                  stopsOn: BookEntry.stops(status: .ended, endOn: day("2027-07-31"), closedOn: day("2027-07-31"))),
        // Licences, 24 months from 15 Jan 2027, cancelled early on 1 Jun 2027; monitoring runs on.
        BookEntry(accountId: fabrikam, mrr: 800, startOn: day("2027-01-15"),
                  stopsOn: BookEntry.stops(status: .cancelled, endOn: day("2029-01-14"), closedOn: day("2027-06-01"))),
        BookEntry(accountId: fabrikam, mrr: 200, startOn: day("2027-01-01")),
    ]

    /// The same book as the movements table writes it: one signed change per row from its
    /// day (a renewal's delta is the change between the terms).
    static let movements = [
        BookEntry(accountId: northwind, mrr: 1_000, startOn: day("2027-01-01")),
        BookEntry(accountId: northwind, mrr: 100, startOn: day("2028-01-01"), renewed: 1_100),
        BookEntry(accountId: northwind, mrr: 300, startOn: day("2027-05-01")),
        BookEntry(accountId: contoso, mrr: 500, startOn: day("2027-02-01")),
        BookEntry(accountId: contoso, mrr: -500, startOn: day("2027-08-01")),
        BookEntry(accountId: fabrikam, mrr: 200, startOn: day("2027-01-01")),
        BookEntry(accountId: fabrikam, mrr: 800, startOn: day("2027-01-15")),
        BookEntry(accountId: fabrikam, mrr: -800, startOn: day("2027-06-01")),
    ]

    static func month(_ year: Int, _ month: Int) -> (from: CalendarDate, toExclusive: CalendarDate) {
        let from = CalendarDate(year: year, month: month, day: 1)!
        return (from, month == 12 ? CalendarDate(year: year + 1, month: 1, day: 1)! : CalendarDate(year: year, month: month + 1, day: 1)!)
    }
}

@Suite struct RecurringRevenueTests {
    @Test func anAccountMovesByWhatItPaysAtTheOpeningAgainstTheClose() {
        #expect(RecurringRevenue.classify(opening: 0, closing: 500)! == (.new, 500))
        #expect(RecurringRevenue.classify(opening: 1_000, closing: 1_300)! == (.expansion, 300))
        #expect(RecurringRevenue.classify(opening: 1_000, closing: 200)! == (.contraction, 800))
        #expect(RecurringRevenue.classify(opening: 500, closing: 0)! == (.churn, 500))
        #expect(RecurringRevenue.classify(opening: 700, closing: 700) == nil)
    }

    @Test func anAgreementLeavesTheBookOnItsCancellationOrAfterItsLastDay() {
        #expect(BookEntry.stops(status: .cancelled, endOn: day("2029-01-14"), closedOn: day("2027-06-01")) == day("2027-06-01"))
        #expect(BookEntry.stops(status: .ended, endOn: day("2027-07-31"), closedOn: day("2027-07-31")) == day("2027-08-01"))
        #expect(BookEntry.stops(status: .renewalDue, endOn: day("2027-07-31"), closedOn: nil) == nil)
        let helpdesk = HandBook.entries[3]
        #expect(helpdesk.mrr(on: day("2027-01-31")) == 0)
        #expect(helpdesk.mrr(on: day("2027-07-31")) == 500)
        #expect(helpdesk.mrr(on: day("2027-08-01")) == 0)
    }

    @Test func theMonthsOf2027AndJanuary2028() {
        func month(_ y: Int, _ m: Int) -> MRRMovement {
            let w = HandBook.month(y, m)
            return RecurringRevenue.sum(RecurringRevenue.movements(HandBook.entries, from: w.from, toExclusive: w.toExclusive).values)
        }
        let january = month(2027, 1)
        #expect((january.opening, january.new, january.closing) == (0, 2_000, 2_000))
        #expect((month(2027, 2).new, month(2027, 2).closing) == (500, 2_500))
        #expect((month(2027, 5).expansion, month(2027, 5).closing) == (300, 2_800))
        #expect((month(2027, 6).contraction, month(2027, 6).closing) == (800, 2_000))
        #expect((month(2027, 7).churn, month(2027, 8).churn, month(2027, 8).closing) == (0, 500, 1_500))
        let renewal = month(2028, 1)
        #expect((renewal.opening, renewal.expansion, renewal.renewal, renewal.closing) == (1_500, 100, 1_100, 1_600))
    }

    @Test func overTheYearEachAccountShowsEveryMonthsMovement() {
        let year = (1...12).map { HandBook.month(2027, $0) }
        let byAccount = RecurringRevenue.movements(HandBook.entries, over: year)
        let contoso = byAccount[HandBook.contoso]!
        // Came and went within the year: both show, where one window would net them to nothing.
        #expect((contoso.opening, contoso.new, contoso.churn, contoso.closing) == (0, 500, 500, 0))
        let northwind = byAccount[HandBook.northwind]!
        #expect((northwind.new, northwind.expansion, northwind.closing) == (1_000, 300, 1_300))
        let fabrikam = byAccount[HandBook.fabrikam]!
        #expect((fabrikam.new, fabrikam.contraction, fabrikam.closing) == (1_000, 800, 200))
        let all = RecurringRevenue.sum(byAccount.values)
        #expect(all.opening + all.new + all.expansion - all.contraction - all.churn == all.closing)
    }

    @Test func retentionByQuarter() {
        func quarter(_ from: String, _ to: String) -> MRRMovement {
            RecurringRevenue.sum(RecurringRevenue.movements(HandBook.entries, from: day(from), toExclusive: day(to)).values)
        }
        // Q1 2027: nothing at the opening, so no retention to speak of.
        #expect(quarter("2027-01-01", "2027-04-01").grossRetention == nil)
        // Q2: 2,500 at the opening; Fabrikam contracts by 800, Northwind expands by 300.
        let q2 = quarter("2027-04-01", "2027-07-01")
        #expect((q2.opening, q2.contraction, q2.expansion) == (2_500, 800, 300))
        #expect(q2.grossRetention == Decimal(string: "0.68"))
        #expect(q2.netRetention == Decimal(string: "0.8"))
        // Q3: Contoso's 500 churns from 2,000.
        let q3 = quarter("2027-07-01", "2027-10-01")
        #expect((q3.grossRetention, q3.netRetention) == (Decimal(string: "0.75"), Decimal(string: "0.75")))
        // Q1 2028: Northwind renews at 1,100 instead of 1,000; 1,600 ÷ 1,500 = 1.0667.
        let renewal = quarter("2028-01-01", "2028-04-01")
        #expect((renewal.grossRetention, renewal.netRetention, renewal.renewal) == (1, Decimal(string: "1.0667"), 1_100))
    }

    @Test func theMovementsTableReadsAsTheAgreementsDo() {
        for (from, to) in [("2027-01-01", "2027-04-01"), ("2027-04-01", "2027-07-01"), ("2027-07-01", "2027-10-01"),
                           ("2027-10-01", "2028-01-01"), ("2028-01-01", "2028-04-01"), ("2027-06-01", "2027-06-02")] {
            #expect(RecurringRevenue.movements(HandBook.entries, from: day(from), toExclusive: day(to))
                    == RecurringRevenue.movements(HandBook.movements, from: day(from), toExclusive: day(to)))
        }
    }

    @Test func renewalWindows() {
        #expect(RecurringRevenue.renewalWindow(daysLeft: 0) == 30)
        #expect(RecurringRevenue.renewalWindow(daysLeft: 30) == 30)
        #expect(RecurringRevenue.renewalWindow(daysLeft: 31) == 60)
        #expect(RecurringRevenue.renewalWindow(daysLeft: 90) == 90)
        #expect(RecurringRevenue.renewalWindow(daysLeft: 91) == nil)
        #expect(RecurringRevenue.renewalWindow(daysLeft: -1) == nil)
        #expect(RecurringRevenue.noticeBy(endOn: day("2027-12-31"), noticeDays: 30) == day("2027-12-01"))
    }
}
