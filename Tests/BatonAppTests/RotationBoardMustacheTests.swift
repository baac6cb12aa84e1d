@testable import BatonApp
import Testing

/// The rotation board's cells, chips, rows, columns, people and legend answer Mustache by
/// name (RotationBoardMustache.swift): every name Mirror would answer, with the same
/// value, so a property added later and left out fails here instead of vanishing from
/// the page.
@Suite struct RotationBoardMustacheTests {
    @Test func theBoardsPartsAnswerEveryNameMirrorWould() {
        let chip = RotationBoard.Chip(block: "4.9.2", site: "Lyon", hours: "8 h", title: "Ada at Lyon", tone: 3)
        let cells = [
            RotationBoard.Cell(index: 2, chips: [chip], travel: "2 h", off: false, partOff: true, weekend: false,
                               flags: ["over hours"], note: "half day", summary: "8 h at Lyon"),
            RotationBoard.Cell(index: 5, chips: [], travel: nil, off: true, partOff: false, weekend: true,
                               flags: [], note: nil, summary: "off"),
        ]
        let person = RotationStore.Person(id: 12, name: "Ivy Chen", homeSiteId: 3, skills: ["network"])
        let row = RotationBoard.Row(person: person, home: "Denver", cells: cells)
        let column = RotationBoard.Column(index: 1, label: "Mon 7", detail: "Dec", weekend: false)
        let legend = RotationBoard.Legend(client: "Northwind", tone: 2)
        #expect(AccountPageMustacheTests.differences(chip) == [])
        for cell in cells { #expect(AccountPageMustacheTests.differences(cell) == [], "cell \(cell.index)") }
        #expect(AccountPageMustacheTests.differences(row) == [])
        #expect(AccountPageMustacheTests.differences(person) == [])
        #expect(AccountPageMustacheTests.differences(RotationStore.Person(id: 13, name: "Jon", homeSiteId: nil, skills: [])) == [])
        #expect(AccountPageMustacheTests.differences(column) == [])
        #expect(AccountPageMustacheTests.differences(legend) == [])
    }
}
