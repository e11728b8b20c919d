/// The rules of a profile's fields: the one definition, applied by the HTTP API to
/// what a client sends and by every consumer to what an event carries, so a record
/// that the API would have refused is never applied.
///
/// Every request and every consumed event passes here, so the checks walk the UTF-8
/// bytes once where they can (ASCII is the common case) and fall back to Unicode
/// properties only for the other scalars; the rules are the same either way.
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
        let length = characterCount(name)
        guard nameLength.contains(length) else {
            throw FieldRuleViolation(.name, "name must be 1 to 200 characters long (got \(length))")
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
        let length = characterCount(bio)
        guard bioLength.contains(length) else {
            throw FieldRuleViolation(.bio, "bio must be at most 2000 characters long (got \(length))")
        }
        // Line breaks and tabs are text; other control characters (NUL among them) are not.
        guard !bio.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" && $0 != "\r" && $0 != "\t" }) else {
            throw FieldRuleViolation(.bio, "bio must not contain control characters other than line breaks and tabs")
        }
    }

    /// A pragmatic address check: `local@domain`, ASCII, a dotted domain of
    /// letter/digit/hyphen labels. Uniqueness is checked by the database, case-insensitively.
    public static func validateEmail(_ email: String) throws(FieldRuleViolation) {
        let invalid = FieldRuleViolation(.email, "email must be a valid address such as ada@example.com")
        let bytes = email.utf8
        guard (3...emailMaximumLength).contains(bytes.count) else {
            throw FieldRuleViolation(.email, "email must be 3 to \(emailMaximumLength) characters long")
        }
        // ASCII without controls or spaces: from here on a byte is a character.
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw invalid }
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { throw invalid }
        let local = bytes[..<at]
        let domain = bytes[bytes.index(after: at)...]
        guard !domain.contains(UInt8(ascii: "@")) else { throw invalid }
        guard (1...64).contains(local.count), local.allSatisfy(isLocalPartByte),
              local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."), !containsDoubleDot(local)
        else { throw invalid }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.allSatisfy(isLabelByte)
                && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
        }), labels[labels.count - 1].allSatisfy(isLetter)
        else { throw invalid }
    }

    /// The number of characters (grapheme clusters): the byte count for ASCII text without
    /// a carriage return (the one ASCII pair that is a single character, CR LF), else `count`.
    private static func characterCount(_ text: String) -> Int {
        let bytes = text.utf8
        if bytes.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "\r") }) { return bytes.count }
        return text.count
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value < 0x20 || value == 0x7F }
        return scalar.properties.generalCategory == .control || value == 0xFEFF || (0x2028...0x2029).contains(value)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || byte == UInt8(ascii: "-")
    }

    /// RFC 5322's atext, and the dot.
    private static func isLocalPartByte(_ byte: UInt8) -> Bool {
        if isLetterOrDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"),
             UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"),
             UInt8(ascii: "."), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func containsDoubleDot(_ bytes: Substring.UTF8View) -> Bool {
        var previousWasDot = false
        for byte in bytes {
            let isDot = byte == UInt8(ascii: ".")
            if isDot && previousWasDot { return true }
            previousWasDot = isDot
        }
        return false
    }
}
