import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/admin/settings`: the firm's settings, one form.
struct FirmSettingsPage {
    var tabs: [AdminTab]
    var version: Int
    var form: WebForm
    var notice: String?
}

extension WebRoutes {
    @Sendable func firmSettingsPage(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminVisit(request, context, admins: true) { caller, token, _ in
            try await firmSettingsPage(caller, token, typed: nil, notice: Self.notice(request))
        }
    }

    func firmSettingsPage(_ caller: Caller, _ token: String, typed: FormState?, notice: String?,
                          status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await services.pool.withConnection { try await FirmSettingsStore().record($0) }
        let s = record.settings
        let state = typed ?? FormState("settings", values: [
            "timeZone": s.timeZone, "averageSpeedKmh": String(s.averageSpeedKmh), "farthestApartKm": String(s.farthestApartKm),
            "travelRoundingMinutes": String(s.travelRoundingMinutes), "renewalLeadDays": String(s.renewalLeadDays)])
        let form = state.form([
            state.text("timeZone", "Time zone", required: true, hint: "A zone name such as Europe/Brussels or America/Denver; pages show times in it.",
                       maxlength: 64),
            state.text("averageSpeedKmh", "Average travel speed (km/h)", required: true,
                       hint: "Turns the distance between two sites into an estimated travel time.", inputmode: "numeric"),
            state.text("travelRoundingMinutes", "Round estimates up to (minutes)", required: true, inputmode: "numeric"),
            state.text("farthestApartKm", "Farthest apart on one day (km)", required: true,
                       hint: "A person's day with two sites farther apart than this is flagged.", inputmode: "numeric"),
            state.text("renewalLeadDays", "Raise renewals (days before an agreement ends)", required: true, inputmode: "numeric"),
        ])
        let body = FirmSettingsPage(tabs: adminTabs(.admin, current: Site.adminSettings()), version: record.version, form: form, notice: notice)
        return renderer.page("admin-settings", Page(frame: frame(caller, sessionToken: token, title: "Firm settings", area: "admin"), body: body),
                             status: status)
    }

    @Sendable func firmSettingsForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await adminForm(request, context) { caller, token, area, form in
            guard area == .admin else { return forbidden() }
            var reader = FormReader(form)
            // Whole numbers read as the API's integers; text that is not one is refused by field.
            func whole(_ name: String, _ label: String) -> Int? {
                guard let text = reader.optional(name) else { return nil }
                guard let number = Int(text) else {
                    reader.problems.add(name, "\(label) must be a whole number, like 60")
                    return nil
                }
                return number
            }
            let input = FirmSettingsInput(
                timeZone: reader.optional("timeZone"), averageSpeedKmh: whole("averageSpeedKmh", "Average travel speed"),
                farthestApartKm: whole("farthestApartKm", "Farthest apart"),
                travelRoundingMinutes: whole("travelRoundingMinutes", "Rounding"), renewalLeadDays: whole("renewalLeadDays", "Renewal lead"))
            do {
                _ = try await formTransaction(reader) { db in
                    try await FirmSettingsActions(services: services).change(
                        db, caller: caller, expected: form["version"].flatMap { Int($0) }, input: input,
                        keys: Set(FirmSettingsInput.Field.allCases.map(\.rawValue)))
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await firmSettingsPage(caller, token, typed: FormState("settings", typed: form, failure: failure),
                                                  notice: nil, status: failure.status)
            }
            return WebSession.redirect(Site.adminSettings() + "?saved=1")
        }
    }
}
