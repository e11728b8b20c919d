import HTTPSupport
import Testing
@testable import UserService

@Suite("JSON body text: UTF-8 only, each member name once per object")
struct JSONTextTests {
    @Test(arguments: [
        #"{"name":"A","name":"B"}"#,
        #"{"name":"A","na\u006de":"B"}"#,
        #"{"a":{"x":1,"y":{"z":[{"k":1,"k":2}]}}}"#,
        #"{"café":1,"cafe\u0301":2}"#,
        "{ \"a\" : 1 ,\n \"a\" : 1 }",
        #"{"\ud83d\ude00":1,"😀":2}"#,
    ])
    func duplicateNamesAreFound(_ json: String) {
        #expect(JSONText.firstDuplicateName(in: Array(json.utf8)) != nil, "\(json)")
    }

    @Test(arguments: [
        #"{"name":"A","Name":"B"}"#,
        #"{"a":{"x":1},"b":{"x":1}}"#,
        #"[{"x":1},{"x":1}]"#,
        #"{"a":"{\"a\":1,\"a\":2}","b":["a","a"]}"#,
        #"{"a\\":1,"a":2}"#,
        #"{"x":[1,2,{"y":3}],"y":4}"#,
    ])
    func distinctNamesPass(_ json: String) {
        #expect(JSONText.firstDuplicateName(in: Array(json.utf8)) == nil, "\(json)")
    }

    @Test func theDuplicateIsNamedDecoded() {
        #expect(JSONText.firstDuplicateName(in: Array(#"{"bio":"x","b\u0069o":"y"}"#.utf8)) == "bio")
    }

    @Test func utf8IsAcceptedAndOtherEncodingsAreNot() throws {
        try JSONText.requireUTF8(Array(#"{"name":"Zoë 漢字 😀"}"#.utf8))
        let text = #"{"name":"A"}"#
        let refused: [[UInt8]] = [
            [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },   // UTF-16LE with BOM
            text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },                 // UTF-16LE
            text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] },                 // UTF-16BE
            text.unicodeScalars.flatMap { [UInt8($0.value), 0, 0, 0] },               // UTF-32LE
            [0xEF, 0xBB, 0xBF] + Array(text.utf8),                                    // UTF-8 with a byte order mark
            Array(#"{"name":"Zo"#.utf8) + [0xEB] + Array(#""}"#.utf8),                // Latin-1 ë
            Array(#"{"name":"A"#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),     // an encoded surrogate
        ]
        for bytes in refused {
            let problem = #expect(throws: HTTPProblem.self) { try JSONText.requireUTF8(bytes) }
            #expect(problem?.details.status == 400)
        }
    }
}
