import BatonCore
import Dates
import Foundation
import HTTPTypes
import Postgres

/// The proposal's working page: its lines with live totals while it is a draft (and
/// the forms to add a line from the catalog or remove one), the phases and dates it
/// implies, the reviewer's capacity check (green or red), and the moves the person
/// may make next.
struct ProposalPage {
    // No optionals in what sections test: Mustache would look a nil name up in the
    // enclosing contexts.
    struct Line {
        var index: Int; var item, quantity, unit, unitPrice, discount, total: String
        /// "service" or "pass-through"; a free-text line may change it (`kindChoices`).
        var kind: String; var isFreeText: Bool; var kindChoices: [Choice]
        /// Billed every period: its total is one bill, outside the one-off subtotal.
        var recurs: Bool
        var hasQuantityError: Bool; var quantityError: String
        var hasPriceError: Bool; var priceError: String
        var hasDiscountError: Bool; var discountError: String
        var hasItemError: Bool; var itemError: String
    }
    struct Skill { var skill, needed, free, short: String; var ok: Bool }
    struct Action {
        var action, label: String; var needsComment, isAccept: Bool
        var comment, acceptedOn: String
        var hasError: Bool; var error: String
    }
    /// What the page's forms hold after a failed post.
    struct Forms {
        /// A message for the whole page (a refused move, a stale save).
        var message: String?
        /// The failed post of the lines (saving, adding or removing), with what was typed.
        var lines: FormState?
        /// A failed add, and whether it came from the free-text form, not the catalog one.
        var adding = false, addingFree = false
        var action: ProposalAction?
        var typed: [String: String] = [:]
        var failure: FormFailure?
        /// The header's form sent back (refused, or over a newer version: `conflict`).
        var header: FormState?
        var conflict = false

        init(message: String? = nil) { self.message = message }
        init(header: FormState, conflict: Bool) {
            self.header = header
            self.conflict = conflict
        }
        init(lines: FormState, adding: Bool) {
            self.lines = lines
            self.adding = adding
        }
        init(action: ProposalAction, typed: [String: String], failure: FormFailure) {
            self.action = action
            self.typed = typed
            self.failure = failure
        }
    }

    var proposal: ProposalRecord
    var opportunity, status: String
    var editable: Bool
    var version: Int
    var lines: [Line]
    /// The totals; then what the project will be worth (services) and what passes
    /// through it (travel, expenses, resale): the handoff's split of the total.
    var subtotal, total, serviceValue, passThroughValue: String
    var hasPassThrough: Bool
    /// Set when lines recur: per month and the whole contract (`ProposalRecord.contractValue`).
    var recurring: ProposalPrintPage.Recurring?
    var currency: String
    var linesMessages: [String]
    var addForm: WebForm
    /// A free-text line: its kind says whether it is a custom service or pass-through.
    var freeForm: WebForm
    var skills: [Skill]
    var hasSkills: Bool
    /// The capacity check's verdict in one sentence ("Can be staffed: …", "Short by …").
    var capacityVerdict: String; var capacityOK: Bool
    var actions: [Action]
    var comments: [String]
    var error: String?
    /// The header, edited in place while a draft (`ProposalActions.change` refuses any
    /// other): reviewer, proposed start, valid until, discount and terms; said in words
    /// once it is submitted, sent or accepted.
    var header: WebForm
    var conflict: [EditConflict]
    var headerSave: String
    var reviewer, proposedStart, validUntil, discount: String

    /// The header's fields as its form holds them (the API's field names).
    static func headerValues(of p: ProposalRecord) -> [String: String] {
        ["reviewerId": p.reviewerId.map(String.init) ?? "", "proposedStart": p.proposedStart?.description ?? "",
         "validUntil": p.validUntil?.description ?? "", "discountPercent": p.discountPercent.description, "terms": p.terms ?? ""]
    }

    static let headerLabels: [(name: String, label: String)] = [
        ("reviewerId", "Reviewer (project manager)"), ("proposedStart", "Proposed start"), ("validUntil", "Valid until"),
        ("discountPercent", "Discount % on the whole proposal"), ("terms", "Terms"),
    ]

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices, forms: Forms) async throws -> ProposalPage? {
        let today = Timestamp.now.calendarDate
        guard let p = try await services.proposals.find(db, id: id, visibleTo: caller, today: today) else { return nil }
        let opportunity = try await services.opportunities.findAny(db, id: p.opportunityId)
        let check = try await services.capacity.check(db, proposal: p, today: today)
        let actor = ProposalActor(isAuthorSide: PipelineAccess.canWrite(caller.roles) || p.authorId == caller.id,
                                  isReviewer: p.reviewerId == caller.id, isAdmin: caller.isAdmin)
        let words: [ProposalAction: String] = [.submit: "Submit for review", .approve: "Approve", .return: "Send back",
                                              .send: "Mark as sent", .accept: "Record acceptance", .decline: "Record decline"]
        let editable = p.status == .draft && actor.isAuthorSide

        // The lines: as saved, or as typed into a save that failed, each message by its field.
        var errors = forms.lines?.errors ?? [:]
        let typed = forms.adding ? [:] : (forms.lines?.values ?? [:])
        func take(_ key: String) -> String? { errors.removeValue(forKey: key) }
        let lines = p.lines.enumerated().map { i, l -> Line in
            let q = take("lines[\(i)].quantity"), u = take("lines[\(i)].unitPrice"), d = take("lines[\(i)].discountPercent")
            let item = [take("lines[\(i)].typicalProjectId"), take("lines[\(i)].description"), take("lines[\(i)].unit"),
                        take("lines[\(i)].kind")].compactMap { $0 }
            let kind = typed["kind\(i)"].flatMap(LineKind.init(rawValue:)) ?? l.kind
            return Line(index: i, item: l.description ?? l.typicalProjectName ?? "", quantity: typed["quantity\(i)"] ?? l.quantity.description,
                        unit: [Formatting.label(l.unit), l.recurrence?.words].compactMap(\.self).joined(separator: ", "), unitPrice: typed["unitPrice\(i)"] ?? (editable ? l.unitPrice.description : l.unitPrice.amount.grouped(scale: 2)),
                        discount: typed["discount\(i)"] ?? l.discountPercent.description, total: l.lineTotal.amount.grouped(scale: 2),
                        kind: Formatting.label(kind.words), isFreeText: l.typicalProjectId == nil,
                        kindChoices: LineKind.allCases.map { Choice(value: $0.rawValue, label: $0.words, selected: $0 == kind) },
                        recurs: l.recurrence != nil,
                        hasQuantityError: q != nil, quantityError: q ?? "", hasPriceError: u != nil, priceError: u ?? "",
                        hasDiscountError: d != nil, discountError: d ?? "", hasItemError: !item.isEmpty, itemError: item.joined(separator: " "))
        }

        // A line from the catalog: a failed add keeps its choice and its messages.
        var add = FormState("add-line", values: ["quantity": "1"])
        var free = FormState("free-line", values: ["quantity": "1", "unit": LineUnit.fixed.rawValue, "kind": LineKind.passThrough.rawValue])
        if forms.adding, forms.addingFree, let failed = forms.lines {
            free = FormState("free-line", typed: failed.values, failure: FormFailure(status: .unprocessableContent))
            let n = p.lines.count
            for field in ["description", "quantity", "unit", "unitPrice", "kind"] + Recurrence.formNames {
                if let message = take("lines[\(n)].\(field)") { free.errors[field] = free.errors[field].map { $0 + " " + message } ?? message }
            }
            free.messages = failed.messages + errors.values.sorted()
            errors = [:]
        } else if forms.adding, let failed = forms.lines {
            add = FormState("add-line", typed: failed.values, failure: FormFailure(status: .unprocessableContent))
            let n = p.lines.count
            for (api, field) in [("lines[\(n)].typicalProjectId", "typicalProjectId"), ("lines[\(n)].quantity", "quantity"),
                                 ("lines[\(n)].unitPrice", "typicalProjectId")] {
                if let message = take(api) { add.errors[field] = add.errors[field].map { $0 + " " + message } ?? message }
            }
            add.messages = failed.messages + errors.values.sorted()
            errors = [:]
        }
        var addFields: [FormField] = []
        var freeFields: [FormField] = []
        if editable {
            freeFields = [
                free.text("description", "Description", required: true, maxlength: ProposalMath.maxDescriptionLength),
                free.select("kind", "Kind", LineKind.allCases.map { kind in
                    (value: kind.rawValue, label: kind == .service ? "Service (work we do; in the project's value)"
                                                                    : "Pass-through (travel, expenses, resale; a budget item)")
                }, required: true),
                free.text("quantity", "Quantity", inputmode: "decimal"),
                free.select("unit", "Unit", LineUnit.allCases.map { (value: $0.rawValue, label: Formatting.label($0)) }),
                free.text("unitPrice", "Unit price", required: true, inputmode: "decimal"),
            ] + Recurrence.formFields(free)
            let catalog = try await services.catalog.list(db, page: try PageRequest(limit: 100), includeArchived: false).items.map {
                (value: String($0.id), label: "\($0.name) (\($0.pricing.model == "hourly" ? "per hour" : "fixed fee"))")
            }
            addFields = [
                add.select("typicalProjectId", "Typical project", [("", "Choose from the catalog")] + catalog, required: true),
                add.text("quantity", "Quantity", inputmode: "decimal"),
            ]
        }
        let pageMessage = forms.message ?? forms.failure.flatMap { failure in
            // A refused move whose message belongs to no field of its form.
            failure.errors.isEmpty ? failure.messages.first : nil
        } ?? (editable ? nil : forms.header?.messages.first)

        // The header, in place: the form carries the version and what it showed.
        let names = headerLabels.map(\.name)
        let theirs = headerValues(of: p)
        let header = FormState.details("proposal", saved: theirs, version: p.version, sent: forms.header, conflict: forms.conflict,
                                       fields: names)
        let reviewers = [(value: "", label: "Choose later")]
            + (try await services.opportunities.proposalReviewers(db).map { (value: String($0.id), label: $0.name) })
        let reviewer = reviewers.first { $0.value == theirs["reviewerId"] && !$0.value.isEmpty }?.label ?? "Not named yet"
        let headerForm = header.form(editable ? [
            header.select("reviewerId", headerLabels[0].label, reviewers),
            header.text("proposedStart", headerLabels[1].label, type: "date"),
            header.text("validUntil", headerLabels[2].label, type: "date"),
            header.text("discountPercent", headerLabels[3].label, inputmode: "decimal"),
            header.textarea("terms", headerLabels[4].label),
        ] : [], hidden: [.init(name: "version", value: header.value("version"))]
            + EditConflict.remembered(header, sent: forms.header != nil, conflict: forms.conflict, saved: theirs, names))
        let conflict = EditConflict.panel(headerLabels, sent: forms.header, conflict: forms.conflict, saved: theirs, version: p.version,
                                          noun: "proposal", discard: Site.proposal(id)) { name, value in
            switch name {
            case "reviewerId": reviewers.first { $0.value == value }?.label ?? value
            case "proposedStart", "validUntil": CalendarDate(value).map(Formatting.date) ?? value
            default: value
            }
        }

        return ProposalPage(
            proposal: p, opportunity: opportunity.name, status: Formatting.label(p.status.words), editable: editable, version: p.version,
            lines: lines, subtotal: p.subtotal.amount.grouped(scale: 2), total: p.total.amount.grouped(scale: 2),
            serviceValue: p.serviceValue.amount.grouped(scale: 2), passThroughValue: p.passThroughValue.amount.grouped(scale: 2),
            hasPassThrough: p.passThroughValue.amount > 0 || p.lines.contains { $0.kind == .passThrough },
            recurring: p.lines.contains { $0.recurrence != nil }
                ? .init(perMonth: p.recurringPerMonth.description, contractValue: p.contractValue.description) : nil,
            currency: services.configuration.currency,
            linesMessages: (forms.adding ? [] : forms.lines?.messages ?? []) + errors.sorted { $0.key < $1.key }.map(\.value),
            addForm: add.form(addFields, hidden: [.init(name: "version", value: String(p.version))]),
            freeForm: free.form(freeFields, hidden: [.init(name: "version", value: String(p.version)), .init(name: "form", value: "free")]),
            skills: check.skills.map {
                Skill(skill: $0.skill, needed: Formatting.number($0.hoursNeeded.value), free: Formatting.number($0.hoursFree.value),
                      short: Formatting.number($0.shortfall.value),
                      ok: $0.shortfall.value == 0)
            },
            hasSkills: !check.skills.isEmpty,
            capacityVerdict: check.verdict, capacityOK: check.canBeStaffed,
            actions: ProposalWorkflow.availableActions(stored: p.storedStatus, actor: actor).map { a in
                let failed = forms.action == a ? forms.failure : nil
                let message = failed.map { f in f.errors.values.sorted().joined(separator: " ") } ?? ""
                return Action(action: a.rawValue, label: words[a] ?? a.rawValue, needsComment: a == .return, isAccept: a == .accept,
                              comment: failed == nil ? "" : forms.typed["comment"] ?? "",
                              acceptedOn: failed == nil ? today.description : forms.typed["acceptedOn"] ?? "",
                              hasError: !message.isEmpty, error: message)
            },
            comments: p.events.compactMap { e in e.comment.map { "\(e.action): \($0)" } }, error: pageMessage,
            header: headerForm, conflict: conflict, headerSave: forms.conflict ? "Save mine over theirs" : "Save details",
            reviewer: reviewer, proposedStart: Formatting.date(p.proposedStart, none: "not set"),
            validUntil: Formatting.date(p.validUntil, none: "not set"), discount: Formatting.percentage(p.discountPercent.value))
    }
}
