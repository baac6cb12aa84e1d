import Mustache

// The project page's people choices (one list of everyone for each member of the team)
// and the staffing grid's cells answer Mustache by name: through Mirror they were half
// of the page's CPU (perf, release build, the demo firm: the project page at 50-52 ms
// p95 against issue 19's 50). A name not answered here climbs to the enclosing context,
// as Mirror's does; ProjectPageMustacheTests holds every answer to Mirror's.

extension PersonOption: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "selected": selected
        default: nil
        }
    }
}

extension StaffingView.Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "title": title
        case "band": band
        case "away": away
        case "overbooked": overbooked
        default: nil
        }
    }
}

extension StaffingView.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "detail": detail
        case "cells": cells
        default: nil
        }
    }
}

extension ProjectPage.Phase: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "start": start
        case "due": due
        case "done": done
        case "state": state
        case "late": late
        case "open": open
        default: nil
        }
    }
}

extension ProjectPage.Item: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "text": text
        case "required": required
        case "checked": checked
        case "by": by
        default: nil
        }
    }
}
