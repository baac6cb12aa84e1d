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

// The page itself answers by name too: a cell without a link or class (`{{^href}}`,
// `{{#cssClass}}`, `{{#statusClass}}`) finds nothing in the cell and climbs through the
// row to the page, and through Mirror that was a walk over all of the page's stored
// properties for every such cell (perf, release: Mirror 14% of a demo list page's CPU
// after the cells answered by name). Absent optionals answer nil and climb on, as
// Mirror's did.
extension ListPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "kind": kind
        case "title": title
        case "path": path
        case "fields": fields
        case "columns": columns
        case "headers": headers
        case "rows": rows
        case "empty": empty
        case "count": count
        case "total": total
        case "hasTotal": hasTotal
        case "paging": paging
        case "sort": sort
        case "dir": dir
        case "builtIn": builtIn
        case "saved": saved
        case "hasSaved": hasSaved
        case "parameters": parameters
        case "refusal": refusal
        case "filtersOn": filtersOn
        case "error": error
        case "hasError": hasError
        case "action": action
        case "narrowed": narrowed
        default: nil
        }
    }
}

extension ListPaging: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "summary": summary
        case "previous": previous
        case "next": next
        case "csv": csv
        default: nil
        }
    }
}

extension ListPage.ViewLink: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "href": href
        case "current": current
        default: nil
        }
    }
}

extension ListPage.Action: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        default: nil
        }
    }
}

extension ListPage.Narrowed: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "href": href
        case "widen": widen
        case "widenLabel": widenLabel
        default: nil
        }
    }
}
