/// What a person does in the firm; a person may hold several roles.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case admin
    case manager
    case accountManager = "account_manager"
    case sales
    case projectManager = "project_manager"
    case consultant

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public var title: String {
        switch self {
        case .admin: "Admin"
        case .manager: "Manager"
        case .accountManager: "Account manager"
        case .sales: "Sales"
        case .projectManager: "Project manager"
        case .consultant: "Consultant"
        }
    }
}
