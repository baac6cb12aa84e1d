import BatonCore
import Dates
import Foundation
import Testing

/// The words of a notification email, its escaping, and the assignment's invitation.
@Suite struct NotificationTextTests {
    static func day(_ text: String) throws -> CalendarDate { try #require(CalendarDate(text)) }

    @Test func theHTMLBodyEscapesEveryValueAndThePlainTextKeepsThem() {
        let m = NotificationMessage.render(recipientName: "Ann <admin>", subject: "Proposal 2 for \"R&D\" was returned",
                                           lines: ["Comment: <script>alert('x')</script>"], link: "/proposals/7",
                                           baseURL: "https://baton.example.com/")
        #expect(m.html.contains("Ann &lt;admin&gt;"))
        #expect(m.html.contains("&quot;R&amp;D&quot;"))
        #expect(m.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(!m.html.contains("<script>"))
        #expect(m.html.contains("href=\"https://baton.example.com/proposals/7\""))
        #expect(m.text.contains("Comment: <script>alert('x')</script>"))
        #expect(m.text.contains("Open it: https://baton.example.com/proposals/7"))
    }

    @Test func aSubjectIsOneHeaderLine() {
        let m = NotificationMessage.render(recipientName: "A", subject: "two\r\nBcc: evil@example.com", lines: [], link: nil, baseURL: nil)
        #expect(!m.subject.contains("\n") && !m.subject.contains("\r"))
        let mail = MailMessage(from: "baton@example.com", to: "a@example.com", toName: "Zoë\r\nX: y", subject: m.subject, text: m.text,
                               html: m.html, messageID: "<k.1@baton>", date: Date(timeIntervalSince1970: 0))
        let rendered = mail.rendered(boundary: "b")
        #expect(!rendered.contains("\nX: y"))
        #expect(rendered.contains("To: =?UTF-8?B?"))
        #expect(rendered.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(!rendered.split(separator: "\r\n").contains { $0.hasPrefix(".") })
    }

    @Test func anInvitationRequestsThenCancelsWithTheSameUIDAndARisingSequence() throws {
        var invitation = CalendarInvitation(
            method: .request, uid: CalendarInvitation.uid(assignmentID: 42), sequence: 0, summary: "Network audit, Harbor Freight",
            location: "12 Dock Road; Bay 3, Oakland", description: "Consultant, 8 h a day", start: try Self.day("2026-07-06"),
            end: try Self.day("2026-07-10"), organizerEmail: "baton@example.com", attendeeEmail: "ivy@example.com", attendeeName: "Ivy \"Chen\"")
        let first = invitation.document(stamp: "20261206T090000Z")
        #expect(first.contains("METHOD:REQUEST\r\n"))
        #expect(first.contains("UID:assignment-42@baton\r\n"))
        #expect(first.contains("SEQUENCE:0\r\n"))
        #expect(first.contains("DTSTART;VALUE=DATE:20260706\r\n"))
        #expect(first.contains("DTEND;VALUE=DATE:20260711\r\n"))
        #expect(first.contains("LOCATION:12 Dock Road\\; Bay 3\\, Oakland\r\n"))
        #expect(first.contains("ATTENDEE;CN=\"Ivy Chen\";ROLE=REQ-PARTICIPANT:mailto:ivy@example.com\r\n"))
        invitation.sequence = 1
        invitation.end = try Self.day("2026-07-17")
        let changed = invitation.document(stamp: "20261207T090000Z")
        #expect(changed.contains("UID:assignment-42@baton\r\n"))
        #expect(changed.contains("SEQUENCE:1\r\n"))
        invitation.method = .cancel
        invitation.sequence = 2
        let cancel = invitation.document(stamp: "20261208T090000Z")
        #expect(cancel.contains("METHOD:CANCEL\r\n"))
        #expect(cancel.contains("STATUS:CANCELLED\r\n"))
        #expect(cancel.contains("SEQUENCE:2\r\n"))
        #expect(cancel.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 75 })
    }

    @Test func aMessageIDHoldsOnlySafeCharacters() {
        #expect(MailMessage.messageID(eventKey: "proposal-returned:17:v3 <x>", recipientID: 5) == "<proposal-returned.17.v3..x..5@baton>")
    }

    @Test func everyKindHasATitleAndADefault() {
        #expect(NotificationKind.allCases.count == 19)
        #expect(NotificationKind.proposalReturned.defaultChannel == .email)
        #expect(NotificationKind.allCases.allSatisfy { !$0.title.isEmpty && $0.defaultChannel != .off })
    }
}
