import Mustache

// A form answers the `form-body` and `form-field` partials by name. Mustache otherwise
// reflects the whole struct (`Mirror`, a type look-up per stored property) for every value
// it reads: an admin's account page draws 561 <option>s, three values each, and spent
// about 40 ms of a release build's CPU in Mirror (perf, issue 19 item 11). Every stored
// property answers under its own name and anything else is nil, as with Mirror, so a name
// the form does not have (`frame`, for the CSRF token) still climbs to the page. None of
// these properties is optional, so no absent value changes where the search stops.

extension FormField: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "label": label
        case "value": value
        case "type": type
        case "isInput": isInput
        case "isSelect": isSelect
        case "isTextarea": isTextarea
        case "isCheckbox": isCheckbox
        case "checked": checked
        case "options": options
        case "required": required
        case "hasHint": hasHint
        case "hint": hint
        case "hasError": hasError
        case "error": error
        case "hasInputmode": hasInputmode
        case "inputmode": inputmode
        case "hasMaxlength": hasMaxlength
        case "maxlength": maxlength
        default: nil
        }
    }
}

extension WebForm: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "fields": fields
        case "messages": messages
        case "failed": failed
        case "hidden": hidden
        default: nil
        }
    }
}

extension WebForm.Hidden: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "value": value
        default: nil
        }
    }
}
