import Mustache

// The list pages' headers, column choices and filters answer Mustache by name, as their
// cells and rows do (ListPages.swift): through Mirror, the filter form's fields and every
// person in the owner filter were still a third of a page's CPU (perf, release build,
// the demo firm's deals: 23-28 ms a page). A name not answered here climbs to the
// enclosing context, as Mirror's does; ListPagesMustacheTests holds each answer to Mirror's.

extension ListPage.Header: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        case "sorted": sorted
        case "numeric": numeric
        default: nil
        }
    }
}

extension ListPage.ColumnChoice: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "key": key
        case "label": label
        case "shown": shown
        default: nil
        }
    }
}

extension ListPage.Field: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "key": key
        case "label": label
        case "value": value
        case "placeholder": placeholder
        case "search": search
        case "text": text
        case "date": date
        case "amount": amount
        case "check": check
        case "choice": choice
        case "hidden": hidden
        case "checked": checked
        case "anyLabel": anyLabel
        case "kept": kept
        case "options": options
        default: nil
        }
    }
}

extension ListOption: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}
