@testable import BatonApp
import Mustache
import Testing

/// Every page's model (`WebRoutes.Page`), its frame and the frame's links answer Mustache
/// by name (PageFrameMustache.swift): every name Mirror would answer, with the same value,
/// so a property added later and left out fails here instead of vanishing from every page.
@Suite struct PageFrameMustacheTests {
    @Test func thePageAndItsFrameAnswerEveryNameMirrorWould() {
        let nav = [WebRoutes.Frame.Nav(label: "Home", href: "/", current: true),
                   WebRoutes.Frame.Nav(label: "Tasks", href: "/tasks", current: false, badge: [3])]
        var frame = WebRoutes.Frame(title: "Home", nav: nav, userName: "Ana Torres", roles: "Account manager", csrf: "token")
        frame.unread = 2
        frame.hasUnread = true
        #expect(AccountPageMustacheTests.differences(frame) == [])
        for link in nav { #expect(AccountPageMustacheTests.differences(link) == [], "\(link.label)") }
        let page = WebRoutes.Page(frame: frame, body: PersonOption(id: 4, name: "Ivy Chen", selected: true))
        // The page is where `frame` climbs to, so it answers it; everything else as Mirror.
        for child in Mirror(reflecting: page).children {
            guard let label = child.label else { continue }
            #expect(AccountPageMustacheTests.drawn(page.child(named: label)) == AccountPageMustacheTests.drawn(child.value), "\(label)")
        }
        #expect(page.child(named: "csrf") == nil && page.child(named: "title") == nil, "the frame's own names are read inside it")
    }
}
