import BatonCore
import Foundation

/// A three-level line used by the roll-up, attainment and forecast tests:
///
///     Dee (3)
///     ├── Max (4)
///     │   ├── Ana (7)
///     │   └── Bo (8)
///     └── Zoe (5)
///         └── Eve (10)
///
/// Listed out of order on purpose: the reports sort people by name.
let reportingLine: [PersonNode] = [
    PersonNode(id: 10, name: "Eve", managerId: 5),
    PersonNode(id: 7, name: "Ana", managerId: 4),
    PersonNode(id: 5, name: "Zoe", managerId: 3),
    PersonNode(id: 3, name: "Dee", managerId: nil),
    PersonNode(id: 8, name: "Bo", managerId: 4),
    PersonNode(id: 4, name: "Max", managerId: 3),
]

/// A value as the API would send it (through `NullKeeping`), read back as a JSON object.
func reportJSON(_ value: some Encodable) throws -> [String: Any] {
    let data = try JSONEncoder().encode(NullKeeping(value))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}
