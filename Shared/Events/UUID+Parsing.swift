import Foundation

extension UUID {
    /// Parses the 36-character text form (`8-4-4-4-12` hexadecimal digits of either case);
    /// `nil` for anything else. The contract reads up to four ids per record (event id, key,
    /// subject, user id): Foundation's `UUID(uuidString:)` goes through `sscanf` on Linux
    /// and cost more than the rest of the rules together.
    init?(parsing text: String) {
        var text = text
        guard let uuid = text.withUTF8(Self.parse) else { return nil }
        self.init(uuid: uuid)
    }

    /// The same, from a record key's bytes.
    init?(parsing bytes: [UInt8]) {
        guard let uuid = bytes.withUnsafeBufferPointer(Self.parse) else { return nil }
        self.init(uuid: uuid)
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard bytes.count == 36 else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &uuid) { output -> Bool in
            var offset = 0
            for index in 0..<16 {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard bytes[offset] == UInt8(ascii: "-") else { return false }
                    offset += 1
                }
                guard let high = JSONScanner.hexValue(bytes[offset]), let low = JSONScanner.hexValue(bytes[offset + 1]) else { return false }
                output[index] = high << 4 | low
                offset += 2
            }
            return true
        }
        return parsed ? uuid : nil
    }
}
