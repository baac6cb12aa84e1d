import Mustache

// Every page is drawn from a `WebRoutes.Page` (the frame and the page's own body), and
// every form on a page reads its CSRF token as `{{#frame}}{{csrf}}{{/frame}}`: the name
// climbs from wherever the form sits to the page, and then `csrf` is read from the frame.
// Through Mirror, the last step of every such climb reflected the page and the frame
// again (the project page's team and candidates draw dozens of forms; issue 19 item 11).
// Here they answer by name, as Mirror would: every stored property under its own name,
// anything else nil so it climbs on. PageFrameMustacheTests holds each answer to Mirror's.

extension WebRoutes.Page: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "frame": frame
        case "body": body
        default: nil
        }
    }
}

extension WebRoutes.Frame: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "nav": nav
        case "userName": userName
        case "roles": roles
        case "csrf": csrf
        case "unread": unread
        case "hasUnread": hasUnread
        default: nil
        }
    }
}

extension WebRoutes.Frame.Nav: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        case "current": current
        case "badge": badge
        default: nil
        }
    }
}
