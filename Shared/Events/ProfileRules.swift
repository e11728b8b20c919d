/// The rules of a profile's fields: the one definition, applied by the HTTP API to
/// what a client sends and by every consumer to what an event carries, so a record
/// that the API would have refused is never applied.
public enum ProfileRules {
    public static let nameLength = 1...200
    public static let bioLength = 0...2000
    public static let emailMaximumLength = 254

    /// Checks all three fields, name first.
    public static func validate(name: String, email: String, bio: String) throws(FieldRuleViolation) {
        try validateName(name)
        try validateEmail(email)
        try validateBio(bio)
    }

    public static func validateName(_ name: String) throws(FieldRuleViolation) {
        guard nameLength.contains(name.count) else {
            throw FieldRuleViolation(.name, "name must be 1 to 200 characters long (got \(name.count))")
        }
        // Per code point, as the OpenAPI pattern states it: a space carrying a combining mark is not blank.
        guard !name.unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
            throw FieldRuleViolation(.name, "name must not be blank")
        }
        guard !name.unicodeScalars.contains(where: isControl) else {
            throw FieldRuleViolation(.name, "name must not contain control characters")
        }
    }

    public static func validateBio(_ bio: String) throws(FieldRuleViolation) {
        guard bioLength.contains(bio.count) else {
            throw FieldRuleViolation(.bio, "bio must be at most 2000 characters long (got \(bio.count))")
        }
        // Line breaks and tabs are text; other control characters (NUL among them) are not.
        guard !bio.unicodeScalars.contains(where: { isControl($0) && !["\n", "\r", "\t"].contains($0) }) else {
            throw FieldRuleViolation(.bio, "bio must not contain control characters other than line breaks and tabs")
        }
    }

    /// A pragmatic address check: `local@domain`, ASCII, a dotted domain of
    /// letter/digit/hyphen labels. Uniqueness is checked by the database, case-insensitively.
    public static func validateEmail(_ email: String) throws(FieldRuleViolation) {
        let invalid = FieldRuleViolation(.email, "email must be a valid address such as ada@example.com")
        guard (3...emailMaximumLength).contains(email.utf8.count) else {
            throw FieldRuleViolation(.email, "email must be 3 to \(emailMaximumLength) characters long")
        }
        guard email.unicodeScalars.allSatisfy({ $0.isASCII && !isControl($0) && $0 != " " }) else { throw invalid }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw invalid }
        let local = parts[0]
        let domain = parts[1]
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-")
        guard (1...64).contains(local.count), local.allSatisfy(localAllowed.contains),
              local.first != ".", local.last != ".", !local.contains("..")
        else { throw invalid }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let labelAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        guard labels.count >= 2, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.allSatisfy(labelAllowed.contains) && label.first != "-" && label.last != "-"
        }), labels.last!.allSatisfy(\.isLetter)
        else { throw invalid }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format && scalar.value == 0xFEFF
            || (0x2028...0x2029).contains(scalar.value)
    }
}
