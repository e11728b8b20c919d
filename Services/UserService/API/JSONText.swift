import HTTPSupport

/// Checks on the raw bytes of a JSON body that the decoder does not make:
/// JSON exchanged between systems is UTF-8 (RFC 8259 §8.1), while Foundation's
/// decoder also accepts UTF-16 and UTF-32; and the member names of an object are
/// unique, while the decoder silently keeps one value of a repeated name.
enum JSONText {
    /// 400 unless `bytes` are UTF-8 with neither a byte order mark nor a NUL byte
    /// (NUL is never valid in JSON text, and is what UTF-16 and UTF-32 ASCII look like).
    static func requireUTF8(_ bytes: [UInt8]) throws(HTTPProblem) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw .malformedJSON("the request body starts with a byte order mark; send UTF-8 without one (RFC 8259)")
        }
        guard !bytes.contains(0), String(validating: bytes, as: UTF8.self) != nil else {
            throw .malformedJSON("the request body is not UTF-8; JSON must be sent as UTF-8 (RFC 8259)")
        }
    }

    /// The first member name that occurs twice in one object (names compare as
    /// Swift strings, the way the decoded dictionary compares them), or `nil`.
    /// `bytes` must be valid JSON: this scans structure, it does not validate it.
    static func firstDuplicateName(in bytes: [UInt8]) -> String? {
        enum Container {
            case object(names: Set<String>)
            case array
        }
        var containers: [Container] = []
        var expectingName = false
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                containers.append(.object(names: []))
                expectingName = true
            case UInt8(ascii: "["):
                containers.append(.array)
                expectingName = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                containers.removeLast()
                expectingName = false
            case UInt8(ascii: ","):
                if case .object? = containers.last { expectingName = true }
            case UInt8(ascii: "\""):
                let (string, closingQuote) = Self.string(in: bytes, openingQuote: index)
                index = closingQuote
                if expectingName, case .object(var names)? = containers.last {
                    guard names.insert(string).inserted else { return string }
                    containers[containers.count - 1] = .object(names: names)
                    expectingName = false
                }
            default:
                break // whitespace, ':', numbers, true, false, null
            }
            index += 1
        }
        return nil
    }

    /// The decoded string starting at `openingQuote`, and the index of its closing quote.
    private static func string(in bytes: [UInt8], openingQuote: Int) -> (String, Int) {
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        var pendingHighSurrogate: UInt32?
        func flushRaw() {
            if !raw.isEmpty { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars) }
            raw.removeAll(keepingCapacity: true)
        }
        func append(_ value: UInt32) {
            if let high = pendingHighSurrogate, (0xDC00...0xDFFF).contains(value) {
                scalars.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00))!)
                pendingHighSurrogate = nil
                return
            }
            if pendingHighSurrogate != nil { scalars.append("\u{FFFD}") }
            pendingHighSurrogate = nil
            if (0xD800...0xDBFF).contains(value) {
                pendingHighSurrogate = value
            } else {
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            }
        }
        var index = openingQuote + 1
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            guard bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                if pendingHighSurrogate != nil {
                    scalars.append("\u{FFFD}") // a high surrogate with no low one after it
                    pendingHighSurrogate = nil
                }
                raw.append(bytes[index])
                index += 1
                continue
            }
            flushRaw()
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "u"):
                let hex = bytes[index..<min(index + 4, bytes.count)]
                append(UInt32(String(decoding: hex, as: UTF8.self), radix: 16) ?? 0xFFFD)
                index += 4
                continue
            case UInt8(ascii: "b"): append(0x08)
            case UInt8(ascii: "f"): append(0x0C)
            case UInt8(ascii: "n"): append(0x0A)
            case UInt8(ascii: "r"): append(0x0D)
            case UInt8(ascii: "t"): append(0x09)
            default: append(UInt32(escaped)) // \" \\ \/
            }
        }
        flushRaw()
        if pendingHighSurrogate != nil { scalars.append("\u{FFFD}") }
        return (String(scalars), index)
    }
}
