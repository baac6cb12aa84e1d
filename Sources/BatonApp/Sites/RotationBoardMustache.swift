import Mustache

// The rotation board answers Mustache by name: through Mirror, two weeks of a team's
// cells spent two thirds of the page's CPU reflecting (perf, release build, demo firm:
// 41-46 ms a page, the slowest page the demo's people reach). A name not answered here
// climbs to the enclosing context, as Mirror's does; RotationBoardMustacheTests holds
// every answer to Mirror's.

extension RotationBoard.Column: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "index": index
        case "label": label
        case "detail": detail
        case "weekend": weekend
        default: nil
        }
    }
}

extension RotationBoard.Chip: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "block": block
        case "site": site
        case "hours": hours
        case "title": title
        case "tone": tone
        default: nil
        }
    }
}

extension RotationBoard.Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "index": index
        case "chips": chips
        case "travel": travel
        case "off": off
        case "partOff": partOff
        case "weekend": weekend
        case "flags": flags
        case "note": note
        case "summary": summary
        default: nil
        }
    }
}

extension RotationBoard.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "person": person
        case "home": home
        case "cells": cells
        default: nil
        }
    }
}

extension RotationStore.Person: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "homeSiteId": homeSiteId
        case "skills": skills
        default: nil
        }
    }
}

extension RotationBoard.Legend: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "client": client
        case "tone": tone
        default: nil
        }
    }
}
