/// A user profile field that an update can change.
public enum ProfileField: String, Sendable, Codable, CaseIterable, Comparable {
    case name, email, bio

    public static func < (lhs: ProfileField, rhs: ProfileField) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
