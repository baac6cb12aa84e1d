import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// An opportunity's record page: the stage as a path of steps with the time spent
/// in each, the team and its splits, the history, the proposals (with the form for a
/// new one) and the projects its won order became.
struct OpportunityPage {
    /// A step of the stage path; an open deal's other steps are buttons that move it there.
    struct Step { var key: String; var name: String; var days: String; var current: Bool; var passed: Bool; var movable: Bool }
    /// What the page's forms hold: fresh, or what was typed into the one that failed.
    struct Forms {
        var proposal, details: FormState?
        /// The details were saved over a newer version: show the fields each side changed.
        var conflict = false
        /// A stage move, a win, a loss or a reopening refused: said above the details.
        var message: String?
        /// The team's form as sent when it was refused (each field's message by its row).
        var team: FormState?
    }

    /// The team edited in place: each member's role and split (or Remove), a person to
    /// add, and beside the splits what they add up to, with `TeamRules`' message when
    /// that is not 100 %. Posted at the deal's version (`saveOpportunityTeam`).
    struct TeamForm {
        struct Row {
            /// `team[2]` (the form's names) or `new` (the person being added); `domId`: `team-2-`.
            var index, domId, userId, name: String
            var isNew: Bool
            var roles: [Choice]
            var split: String; var remove: Bool
            var hasError: Bool; var error: String
            /// The split box's `aria-describedby`: its own message, else the total's.
            var invalid: Bool; var describedBy: String
        }
        /// The members, then the person being added.
        var rows: [Row]
        var people: [Choice]
        var total: String
        var hasTotalError: Bool; var totalError: String
        var messages: [String]
        var version: Int
    }
    struct Member { var name: String; var role: String; var split: String }
    struct Version { var id: Int64; var number: Int; var status: String; var total: String }
    struct ProjectLink { var id: Int64; var name: String; var status: String }
    var opportunity: OpportunityRecord
    /// The amount, the kind and the owner in words.
    var amount, kind, owner: String
    var path: [Step]
    var team: [Member]
    /// A stage change in words: when, the stages' names, the amount with its currency.
    struct HistoryRow { var entry: OpportunityStore.HistoryEntry; var when, from, to, amount: String }
    var history: [HistoryRow]
    var proposals: [Version]
    var projects: [ProjectLink]
    var hasProposals, hasProjects: Bool
    /// `canPropose`: open, and the caller works the pipeline, so a new proposal may be
    /// drafted. `canEdit`: the caller works the pipeline, so the details, the stage and
    /// the team are edited in place (who may change which field is judged by
    /// `OpportunityActions` on saving).
    var canPropose, canEdit: Bool
    var proposalForm, details: WebForm
    var version: Int
    var conflict: [EditConflict]
    var saveLabel: String
    var message: String?
    var isOpen, isLost: Bool
    var wonStage, lostStage: String
    /// The firm's lost reasons, and where a closed deal may be reopened to: the open stages.
    var lostReasons, openStages: [Choice]
    var otherReason: String
    /// Its open tasks, with Done and "New task" (`ShowsTasks`).
    var tasks: [TaskSection] = []
    /// The team's form, for whoever works the pipeline.
    var teamForm: [TeamForm] = []

    /// The deal's editable fields as the details form holds them (the API's field names).
    static func values(of o: OpportunityRecord) -> [String: String] {
        ["name": o.name, "amount": "\(o.amount.amount)", "closeDate": o.closeDate.description, "nextStep": o.nextStep ?? "",
         "ownerId": String(o.ownerId)]
    }

    static let detailLabels: [(name: String, label: String)] = [
        ("name", "Name"), ("amount", "Amount"), ("closeDate", "Close date"), ("nextStep", "Next step"), ("ownerId", "Owner"),
    ]

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices,
                      forms: Forms = Forms()) async throws -> OpportunityPage? {
        let proposalForm = forms.proposal
        guard let o = try await services.opportunities.find(db, id: id, visibleTo: caller) else { return nil }
        let currency = services.configuration.currency
        let history = try await services.opportunities.history(db, opportunityID: id)
        var daysIn: [String: Int] = [:]
        for entry in history { daysIn[entry.toStage, default: 0] += entry.daysInStage }
        let stages = try await services.stages.all(db)
        func stageName(_ key: String) -> String { stages.first { $0.key == key }?.name ?? Formatting.label(key) }
        let currentOrder = stages.first { $0.key == o.stage }?.order ?? 0
        let canEdit = PipelineAccess.canWrite(caller.roles)
        let isOpen = o.wonOn == nil && o.lostOn == nil
        let path = stages.filter { !$0.isLost || $0.key == o.stage }.filter { !($0.isWon && o.lostOn != nil) }.map {
            Step(key: $0.key, name: $0.name, days: daysIn[$0.key].map { "\($0) d" } ?? "", current: $0.key == o.stage,
                 passed: $0.order < currentOrder, movable: canEdit && isOpen && $0.key != o.stage)
        }
        var team: [Member] = []
        for member in o.team {
            let name = try await services.users.findAny(db, id: member.userId)?.name ?? "#\(member.userId)"
            team.append(Member(name: name, role: Formatting.label(member.role),
                               split: "\(member.splitPercent)%"))
        }
        let owner = try await services.users.findAny(db, id: o.ownerId)?.name ?? ""
        let today = Timestamp.now.calendarDate
        let stored = try await services.proposals.list(db, opportunityID: id, today: today)
        let proposals = stored.map {
            Version(id: $0.id, number: $0.number, status: $0.status.words, total: $0.total.amount.display(currency: currency))
        }
        var projects: [ProjectLink] = []
        for projectID in Set(stored.compactMap(\.projectId)).sorted() {
            if let p = try await services.projects.find(db, id: projectID, visibleTo: caller) {
                projects.append(ProjectLink(id: p.id, name: p.name, status: Formatting.label(p.status)))
            }
        }

        // A new proposal: its reviewer, its first line from the catalog, its dates and terms.
        let canPropose = canEdit && isOpen
        var form = proposalForm ?? FormState("proposal", values: [
            "lines[0].quantity": "1", "proposedStart": today.adding(days: 14).description,
            "validUntil": today.adding(days: 30).description, "terms": "Net 30. Prices exclude travel unless listed.",
        ])
        if proposalForm == nil, let last = stored.max(by: { $0.number < $1.number }), let reviewer = last.reviewerId {
            form.values["reviewerId"] = String(reviewer)
        }
        var fields: [FormField] = []
        if canPropose {
            let reviewers = try await services.opportunities.proposalReviewers(db).map { (value: String($0.id), label: $0.name) }
            let catalog = try await services.catalog.list(db, page: try PageRequest(limit: 100), includeArchived: false).items.map {
                (value: String($0.id), label: "\($0.name) (\($0.pricing.model == "hourly" ? "per hour" : "fixed fee"))")
            }
            fields = [
                form.select("reviewerId", "Reviewer (project manager)", [("", "Choose later")] + reviewers,
                            hint: "The project manager who checks scope, timeline and staffing, and runs the project if it is won"),
                form.select("lines[0].typicalProjectId", "First line: typical project", [("", "Choose from the catalog")] + catalog,
                            required: true),
                form.text("lines[0].quantity", "Quantity", inputmode: "decimal"),
                form.text("proposedStart", "Proposed start", type: "date"),
                form.text("validUntil", "Valid until", type: "date"),
                form.textarea("terms", "Terms"),
            ]
        }

        // The details, in place: the form carries the version and what it showed.
        let theirs = values(of: o)
        let details = FormState.details("deal", saved: theirs, version: o.version, sent: forms.details, conflict: forms.conflict,
                                        fields: detailLabels.map(\.name))
        let owners = try await AccountPage.owners(db, caller: caller, including: o.ownerId)
        let detailsForm = details.form([
            details.text("name", "Name", required: true, maxlength: 200),
            details.text("amount", "Amount (\(currency))", hint: "like 84,000.00", inputmode: "decimal"),
            details.text("closeDate", "Close date", required: true, type: "date"),
            details.textarea("nextStep", "Next step"),
            details.select("ownerId", "Owner", owners),
        ], hidden: [.init(name: "version", value: details.value("version"))]
            + EditConflict.remembered(forms.details == nil || forms.conflict ? theirs : Dictionary(
                uniqueKeysWithValues: detailLabels.map { ($0.name, details.value(EditConflict.prefix + $0.name)) }), detailLabels.map(\.name)))
        let conflict = EditConflict.panel(detailLabels, sent: forms.details, conflict: forms.conflict, saved: theirs, version: o.version,
                                          noun: "opportunity", discard: "/opportunities/\(o.id)") { name, value in
            name == "ownerId" ? owners.first { $0.value == value }?.label ?? value : value
        }
        let reasons = try await LostReasonStore().active(db).map { Choice(value: $0.name, label: $0.name, selected: false) }
            + [Choice(value: LostReasonStore.other, label: "Other (say why)", selected: false)]

        var page = OpportunityPage(opportunity: o, amount: o.amount.amount.display(currency: currency),
                               kind: Formatting.label(o.kind), owner: owner, path: path,
                               team: team, history: history.reversed().map { e in
                                   HistoryRow(entry: e, when: Formatting.moment(e.changedAt), from: e.fromStage.map(stageName) ?? "",
                                              to: stageName(e.toStage), amount: Formatting.money(e.amount.amount, currency: currency))
                               }, proposals: proposals, projects: projects,
                               hasProposals: !proposals.isEmpty, hasProjects: !projects.isEmpty, canPropose: canPropose,
                               canEdit: canEdit, proposalForm: form.form(fields), details: detailsForm, version: o.version,
                               conflict: conflict,
                               saveLabel: forms.conflict ? "Save mine over theirs" : "Save details", message: forms.message,
                               isOpen: isOpen, isLost: o.lostOn != nil,
                               wonStage: stages.first { $0.isWon }?.key ?? "", lostStage: stages.first { $0.isLost }?.key ?? "",
                               lostReasons: reasons,
                               openStages: stages.filter { !$0.isWon && !$0.isLost }.map { Choice(value: $0.key, label: $0.name, selected: false) },
                               otherReason: LostReasonStore.other)
        if canEdit {
            // Who can join: the caller's reporting line, and every project manager (the
            // one who will run the work is often on the deal); the action takes any active person.
            let line = try await services.users.activeChoices(db, visibleTo: caller).map { (id: $0.id, name: $0.name) }
            let managers = try await services.opportunities.proposalReviewers(db).filter { pm in !line.contains { $0.id == pm.id } }
            let everyone = (line + managers).sorted { $0.name.lowercased() < $1.name.lowercased() }
            page.teamForm = [teamForm(o, names: Dictionary(uniqueKeysWithValues: zip(o.team.map(\.userId), team.map(\.name))),
                                      everyone: everyone, sent: forms.team)]
        }
        return page
    }

    /// The team's form: the saved team, or the form as sent with each row's message.
    static func teamForm(_ o: OpportunityRecord, names: [Int64: String], everyone: [(id: Int64, name: String)], sent: FormState?) -> TeamForm {
        func roles(_ chosen: String) -> [Choice] {
            TeamRole.allCases.map { Choice(value: $0.rawValue, label: Formatting.label($0), selected: $0.rawValue == chosen) }
        }
        let errors = sent?.errors ?? [:], totalError = errors["team"] ?? ""
        func row(_ key: String, userId: String, name: String, role: String, split: String, remove: Bool) -> TeamForm.Row {
            let own = ["userId", "role", "splitPercent"].compactMap { errors["\(key).\($0)"] }.joined(separator: " ")
            let id = key.filter { $0 != "]" }.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
            return TeamForm.Row(index: key, domId: id, userId: userId, name: name, isNew: key == "new", roles: roles(role), split: split,
                                remove: remove, hasError: !own.isEmpty, error: own, invalid: !own.isEmpty || !totalError.isEmpty,
                                describedBy: !own.isEmpty ? "\(id)-error" : "team-total-error")
        }
        var rows: [TeamForm.Row] = []
        var total = Decimal(0)
        if let sent {
            var i = 0
            while let user = sent.values["team[\(i)].userId"] {
                let key = "team[\(i)]", split = sent.value(key + ".splitPercent"), remove = sent.value(key + ".remove") == "true"
                let name = Int64(user).flatMap { id in names[id] ?? everyone.first { $0.id == id }?.name } ?? user
                rows.append(row(key, userId: user, name: name, role: sent.value(key + ".role"), split: split, remove: remove))
                if !remove { total += Decimal(string: split.replacingOccurrences(of: ",", with: "")) ?? 0 }
                i += 1
            }
            total += Decimal(string: sent.value("new.splitPercent").replacingOccurrences(of: ",", with: "")) ?? 0
        } else {
            for (i, m) in o.team.enumerated() {
                rows.append(row("team[\(i)]", userId: String(m.userId), name: names[m.userId] ?? "#\(m.userId)", role: m.role.rawValue,
                                split: m.splitPercent.value.plainText, remove: false))
                total += m.splitPercent.value
            }
        }
        let onTeam = Set(rows.map(\.userId))
        let chosen = sent?.value("new.userId") ?? ""
        let people = [Choice(value: "", label: "No one", selected: chosen.isEmpty)] + everyone.filter { !onTeam.contains(String($0.id)) }.map {
            Choice(value: String($0.id), label: $0.name, selected: String($0.id) == chosen)
        }
        rows.append(row("new", userId: chosen, name: "Add a person", role: sent?.value("new.role") ?? TeamRole.salesPartner.rawValue,
                        split: sent?.value("new.splitPercent") ?? "", remove: false))
        return TeamForm(rows: rows, people: people, total: Formatting.percentage(total), hasTotalError: !totalError.isEmpty,
                        totalError: totalError, messages: sent?.messages ?? [], version: o.version)
    }
}

extension WebRoutes {
    /// The team and its splits, saved in place: the API's PATCH of `team`, through
    /// `OpportunityActions.change` at the version the form was drawn from, so the
    /// splits are judged by `TeamRules` (exactly 100 %). A refusal is shown by the row
    /// it is about (the action numbers the members it was sent; the form's rows skip
    /// the removed ones); a save over a newer version shows the team as saved now.
    @Sendable func saveOpportunityTeam(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelineForm(request, context) { caller, token, id, form in
            try await saveInPlace(form, prefix: "team", back: Site.opportunity(id) + "#team") { db, fields, version in
                var members: [MemberInput] = [], rows: [String] = []
                func read(_ key: String) {
                    let user = fields.id(key + ".userId", "Person"), role = fields.choice(key + ".role", "Role", TeamRole.self)
                    let split = fields.decimal(key + ".splitPercent", "Split")
                    if fields.optional(key + ".splitPercent") == nil { fields.problems.add(key + ".splitPercent", "Give the split in percent") }
                    guard let user, let role, let split else { return }
                    members.append(MemberInput(userId: user, role: role, splitPercent: split))
                    rows.append(key)
                }
                var i = 0
                while form["team[\(i)].userId"] != nil {
                    if form["team[\(i)].remove"] != "true" { read("team[\(i)]") }
                    i += 1
                }
                if fields.optional("new.userId") != nil { read("new") }
                try fields.problems.throwIfInvalid()
                var input = OpportunityInput()
                input.team = members
                do {
                    _ = try await OpportunityActions(services: services).change(db, caller: caller, id: id, expected: version, input: input,
                                                                                keys: ["team"])
                } catch let failure as ValidationFailure {
                    // `team[2].splitPercent` is the third member sent: name it by its row of the form.
                    throw ValidationFailure(failure.errors.map { e in
                        guard e.field.hasPrefix("team["), let close = e.field.firstIndex(of: "]"),
                              let k = Int(e.field[e.field.index(e.field.startIndex, offsetBy: 5)..<close]), rows.indices.contains(k)
                        else { return e }
                        return FieldError(rows[k] + e.field[e.field.index(after: close)...], e.message)
                    })
                }
            } redraw: { sent, conflict, status in
                try await opportunityPage(caller, token, id: id, forms: conflict
                    ? .init(message: "Someone else changed this opportunity while you were editing its team; nothing was saved. Here is the team as saved now: make your change again.")
                    : .init(team: sent), status: status)
            }
        }
    }
}
