import BatonCore
import Dates
import Foundation
import Postgres

/// The manager's reports page: the forecast as stacked bars and attainment against
/// quota, each with the table of the same numbers below it, and the growth advice
/// in plain words.
struct ReportsPage {
    struct ForecastLine { var name: String; var closed: String; var commit: String; var bestCase: String; var pipeline: String; var quota: String; var coverage: String }
    struct AttainmentLine { var name: String; var quota: String; var credited: String; var attainment: String }
    var period: String
    var forecast: [ForecastLine]
    var attainment: [AttainmentLine]
    var chartData: String
    /// The firm's growth advice, for those the growth report is for (as in the API).
    var growth: Growth?
    var reportNav: [ReportNav.Link]

    struct Growth { var sentence: String; var recommendation: String }

    static func build(_ db: Connection, caller: Caller, services: AppServices, key: String?) async throws -> ReportsPage {
        let calendar = services.quotas.calendar
        let period = try key.map { try services.quotas.checkedPeriod(key: $0) }
            ?? calendar.period(containing: Timestamp.now.calendarDate, kind: .quarter)
        let store = services.reports
        let root = try await store.root(db, caller: caller, managerID: nil)
        let forecast = try await store.forecast(db, period: period, root: root).filter { !$0.rollup }
        let attainment = try await store.attainment(db, period: period, metric: .totalBookings, root: root).filter { !$0.rollup }
        struct Chart: Encodable {
            var labels: [String]
            var closed: [String]; var commit: [String]; var bestCase: [String]; var pipeline: [String]
            var quota: [String?]; var credited: [String]
            /// The ticks and tooltips say amounts as the tables do (`USD 30,000`).
            var currency: String
        }
        // Stacked bars show each category's own part: best case without commit, pipeline without best case.
        let chart = Chart(
            labels: forecast.map(\.name), closed: forecast.map { $0.closed.description },
            commit: forecast.map { $0.commit.description },
            bestCase: forecast.map { ($0.bestCase.amount - $0.commit.amount).moneyText },
            pipeline: forecast.map { ($0.pipeline.amount - $0.bestCase.amount).moneyText },
            quota: attainment.map { $0.quota?.description }, credited: attainment.map { $0.credited.description },
            currency: services.configuration.currency)
        let json = String(decoding: try JSON.encoder.encode(chart), as: UTF8.self)
        var growth: Growth?
        if ReportNav.isManagerial(caller) {
            let advice = try await store.growth(db, weeks: 12, thresholds: GrowthThresholds(), today: Timestamp.now.calendarDate,
                                                currency: services.configuration.currency)
            growth = Growth(sentence: advice.sentence, recommendation: Formatting.label(advice.recommendation))
        }
        let currency = services.configuration.currency
        func money(_ m: Money?) -> String { Formatting.money(m, currency: currency) }
        func percent(_ ratio: DecimalString?) -> String { Formatting.percent(ratio?.value) }
        return ReportsPage(
            period: period.key,
            forecast: forecast.map {
                ForecastLine(name: $0.name, closed: money($0.closed), commit: money($0.commit), bestCase: money($0.bestCase),
                             pipeline: money($0.pipeline), quota: money($0.quota), coverage: $0.coverage.map { Formatting.times($0.value) } ?? "–")
            },
            attainment: attainment.map {
                AttainmentLine(name: $0.name, quota: money($0.quota), credited: money($0.credited), attainment: percent($0.attainment))
            },
            chartData: json, growth: growth, reportNav: ReportNav.links(caller, current: "overview"))
    }
}
