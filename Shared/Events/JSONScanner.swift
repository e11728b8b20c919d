/// A reader of JSON text straight from a record's bytes, for ``EventContract``: the
/// contract's envelope is closed (known keys, strings, one integer, one boolean, one
/// array), so it is read in one pass without building a document or going through
/// `Decodable`. The scanner checks the whole text against JSON's grammar (RFC 8259):
/// values it is asked to skip are still read to their end, strings must be valid UTF-8
/// with valid escapes, and nothing but whitespace may follow the top-level value.
///
/// It works on a buffer borrowed for the duration of one read (``EventContract/read(key:value:)``
/// holds the record's bytes while it runs).
struct JSONScanner {
    /// The text is not JSON (a syntax error, with where it is).
    struct SyntaxError: Error {
        let message: String
    }

    /// What a value is, by its first byte.
    enum Kind {
        case string, number, object, array, boolean, null
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int

    /// Deeper nesting than this is refused (Foundation's decoder has the same bound).
    static let maximumDepth = 512

    init(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    // MARK: Structure

    /// The kind of the next value, after whitespace; a syntax error when none can start here.
    mutating func peekKind() throws(SyntaxError) -> Kind {
        skipWhitespace()
        guard position < bytes.count else { throw failure("the text ends where a value should start") }
        switch bytes[position] {
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw failure("no JSON value starts with this byte")
        }
    }

    /// Consumes `byte` after whitespace, or fails.
    mutating func expect(_ byte: UInt8) throws(SyntaxError) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else {
            throw failure("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    /// Consumes `byte` after whitespace when it is next; `false` otherwise.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// Opens an object: `true` when it has members (the scanner then stands before the first key).
    mutating func openObject() throws(SyntaxError) -> Bool {
        try expect(UInt8(ascii: "{"))
        return !consume(UInt8(ascii: "}"))
    }

    /// Opens an array: `true` when it has elements.
    mutating func openArray() throws(SyntaxError) -> Bool {
        try expect(UInt8(ascii: "["))
        return !consume(UInt8(ascii: "]"))
    }

    /// A member's key and the colon after it.
    mutating func readKey() throws(SyntaxError) -> String {
        guard try peekKind() == .string else { throw failure("expected a member name") }
        let key = try readString()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// After a member or element: `true` when a comma announces another, `false` at `closing`.
    mutating func next(closing: UInt8) throws(SyntaxError) -> Bool {
        if consume(UInt8(ascii: ",")) { return true }
        try expect(closing)
        return false
    }

    /// Fails unless only whitespace is left.
    mutating func expectEnd() throws(SyntaxError) {
        skipWhitespace()
        guard position == bytes.count else { throw failure("text follows the JSON value") }
    }

    // MARK: Values

    /// A string value, unescaped; the scanner must stand before its opening quote.
    mutating func readString() throws(SyntaxError) -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        var allBytes: UInt8 = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = Self.text(UnsafeBufferPointer(rebasing: bytes[start..<position]), isASCII: allBytes < 0x80)
                position += 1
                guard let text else { throw failure("a string is not valid UTF-8") }
                return text
            }
            if byte == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            guard byte >= 0x20 else { throw failure("a control character inside a string") }
            allBytes |= byte
            position += 1
        }
        throw failure("a string is not closed")
    }

    /// The bytes as a string when they are valid UTF-8. ASCII (nearly every string of an
    /// event) needs no validation; the general validator is generic and costs several times
    /// the whole scan.
    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, isASCII: Bool) -> String? {
        isASCII ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
    }

    /// The rest of a string that has escapes, from its first byte `start`.
    private mutating func readEscapedString(from start: Int) throws(SyntaxError) -> String {
        var unescaped = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                let text = unescaped.withUnsafeBufferPointer { Self.text($0, isASCII: !$0.contains { $0 >= 0x80 }) }
                guard let text else { throw failure("a string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"): unescaped.append(contentsOf: String(try readUnicodeEscape()).utf8)
                default: throw failure("an invalid escape in a string")
                }
            default:
                guard byte >= 0x20 else { throw failure("a control character inside a string") }
                unescaped.append(byte)
            }
        }
        throw failure("a string is not closed")
    }

    /// The scalar of a `\uXXXX` escape (the `\u` read), pairing surrogates.
    private mutating func readUnicodeEscape() throws(SyntaxError) -> Unicode.Scalar {
        let unit = try readHexQuad()
        switch unit {
        case 0xD800...0xDBFF:
            guard consume(UInt8(ascii: "\\"), immediately: true), consume(UInt8(ascii: "u"), immediately: true) else {
                throw failure("a lone surrogate escape in a string")
            }
            let low = try readHexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw failure("a lone surrogate escape in a string") }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
        case 0xDC00...0xDFFF:
            throw failure("a lone surrogate escape in a string")
        default:
            return Unicode.Scalar(unit)!
        }
    }

    private mutating func readHexQuad() throws(SyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("a \\u escape is cut short") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Self.hexValue(bytes[position]) else { throw failure("a \\u escape is not hexadecimal") }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func consume(_ byte: UInt8, immediately: Bool) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// A number's text, checked against JSON's grammar; `isInteger` when it has neither
    /// fraction nor exponent.
    mutating func readNumber() throws(SyntaxError) -> (text: String, isInteger: Bool) {
        skipWhitespace()
        let start = position
        _ = consume(UInt8(ascii: "-"), immediately: true)
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw failure("a number without digits") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            skipDigits()
        }
        var isInteger = true
        if consume(UInt8(ascii: "."), immediately: true) {
            isInteger = false
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw failure("a number's fraction has no digits") }
            skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if !consume(UInt8(ascii: "+"), immediately: true) { _ = consume(UInt8(ascii: "-"), immediately: true) }
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw failure("a number's exponent has no digits") }
            skipDigits()
        }
        if position < bytes.count, Self.isDigit(bytes[position]) { throw failure("a number has a leading zero") }
        return (String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self), isInteger)
    }

    /// `true` or `false`.
    mutating func readBoolean() throws(SyntaxError) -> Bool {
        if try readLiteral("true") { return true }
        if try readLiteral("false") { return false }
        throw failure("not a JSON literal")
    }

    /// `null`.
    mutating func readNull() throws(SyntaxError) {
        guard try readLiteral("null") else { throw failure("not a JSON literal") }
    }

    private mutating func readLiteral(_ literal: StaticString) throws(SyntaxError) -> Bool {
        skipWhitespace()
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] { return false }
        position += count
        return true
    }

    /// Reads past the next value, whatever it is, checking its grammar.
    mutating func skipValue() throws(SyntaxError) {
        // Iterative, so a deeply nested value cannot exhaust the stack.
        var closers: [UInt8] = []
        repeat {
            switch try peekKind() {
            case .string: _ = try readString()
            case .number: _ = try readNumber()
            case .boolean: _ = try readBoolean()
            case .null: try readNull()
            case .object:
                guard closers.count < Self.maximumDepth else { throw failure("values nested deeper than \(Self.maximumDepth)") }
                if try openObject() {
                    closers.append(UInt8(ascii: "}"))
                    _ = try readKey()
                    continue
                }
            case .array:
                guard closers.count < Self.maximumDepth else { throw failure("values nested deeper than \(Self.maximumDepth)") }
                if try openArray() {
                    closers.append(UInt8(ascii: "]"))
                    continue
                }
            }
            // A value ended: close what it ends, then stand before the next member or element.
            while let closer = closers.last {
                if try next(closing: closer) {
                    if closer == UInt8(ascii: "}") { _ = try readKey() }
                    break
                }
                closers.removeLast()
            }
        } while !closers.isEmpty
    }

    // MARK: Bytes

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The value of a hexadecimal digit of either case.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private func failure(_ message: String) -> SyntaxError {
        SyntaxError(message: "\(message) at byte \(position)")
    }
}
