import Events
import HTTPSupport
import Testing
@testable import UserService

@Suite("If-Match and profile field rules")
struct InputRulesTests {
    /// The versions a header names, which the write statements compare in SQL under the row
    /// lock (`UserAPITests` and `RefusedRequestTests` hold the comparison itself: 412 with the current version).
    @Test func ifMatchReadsStrongWeakListsAndStar() {
        #expect(IfMatch.parse(nil) == nil)
        #expect(IfMatch.parse("\"3\"")?.versions == [3])
        #expect(IfMatch.parse("W/\"4\"")?.versions == [4])
        #expect(IfMatch.parse("\"1\", \"2\"")?.versions == [1, 2])
        #expect(IfMatch.parse("*").map { $0.versions == nil } == true, "* names no version")
        #expect(IfMatch.parse("garbage")?.versions == [], "an unreadable tag names no version, so it never matches")
        #expect(throws: HTTPProblem.self, "* is refused where a version is required") { try IfMatch.required("*") }
    }

    @Test(arguments: ["ada@example.com", "o'brien+tag@mail.example.co", "A.B-C_d@sub-domain.example.org"])
    func validAddressesPass(_ email: String) throws {
        try ProfileRules.validateEmail(email)
    }

    @Test(arguments: [
        "plain", "@example.com", "ada@", "ada@example", "a b@example.com", "ada@@example.com", "ada@-bad.com",
        ".ada@example.com", "ada..x@example.com", "adá@example.com", "ada@example.c0m", "ada@example.com\n",
        "ada@bad-.com", "ada@x@example.com", "ada.@example.com", "ada@example..com", "ada@\u{7F}example.com",
    ])
    func invalidAddressesFail(_ email: String) {
        #expect(throws: (any Error).self) { try ProfileRules.validateEmail(email) }
    }

    @Test func namesAndBiosHaveLengthAndCharacterRules() throws {
        try ProfileRules.validateName(String(repeating: "é", count: 200))
        #expect(throws: (any Error).self) { try ProfileRules.validateName(String(repeating: "a", count: 201)) }
        #expect(throws: (any Error).self) { try ProfileRules.validateName("tab\there") }
        try ProfileRules.validateBio("two\nlines\tand a tab")
        #expect(throws: (any Error).self) { try ProfileRules.validateBio("bell \u{07}") }
        #expect(throws: (any Error).self) { try ProfileRules.validateBio(String(repeating: "b", count: 2001)) }
        // Characters, not bytes or code points: CR LF is one character, e + a combining acute one.
        try ProfileRules.validateBio(String(repeating: "\r\n", count: 2000))
        #expect(throws: (any Error).self) { try ProfileRules.validateBio(String(repeating: "\r\n", count: 2001)) }
        try ProfileRules.validateName(String(repeating: "e\u{301}", count: 200))
        #expect(throws: (any Error).self) { try ProfileRules.validateName(String(repeating: "e\u{301}", count: 201)) }
        #expect(throws: (any Error).self) { try ProfileRules.validateName("zero\u{FEFF}width") }
        #expect(throws: (any Error).self) { try ProfileRules.validateName("c1\u{85}control") }
    }
}
