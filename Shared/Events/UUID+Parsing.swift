import Foundation

extension UUID {
    /// Parses the 36-character text form (`8-4-4-4-12` hexadecimal digits of either case)
    /// straight from its UTF-8 bytes; `nil` for anything else. The contract reads up to four
    /// ids per record (event id, key, subject, user id): Foundation's `UUID(uuidString:)`
    /// goes through `sscanf` on Linux and cost more than the rest of the rules together.
    init?(parsing bytes: some Collection<UInt8>) {
        guard bytes.count == 36 else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &uuid) { output -> Bool in
            var written = 0
            var high: UInt8?
            for (offset, byte) in bytes.enumerated() {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard byte == UInt8(ascii: "-") else { return false }
                    continue
                }
                guard let digit = JSONScanner.hexValue(byte) else { return false }
                if let first = high {
                    output[written] = first << 4 | digit
                    written += 1
                    high = nil
                } else {
                    high = digit
                }
            }
            return written == 16
        }
        guard parsed else { return nil }
        self.init(uuid: uuid)
    }

    /// The same, over a string's UTF-8.
    init?(parsing text: String) {
        self.init(parsing: text.utf8)
    }
}
