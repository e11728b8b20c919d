import Foundation

/// RFC 3339 timestamps in UTC with millisecond precision: `2026-11-22T14:00:00.123Z`.
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        date.formatted(style)
    }

    /// Parses with or without fractional seconds; `nil` when the text is not RFC 3339.
    ///
    /// The form this project writes (`YYYY-MM-DDTHH:MM:SS[.fff…]Z`) is read directly from
    /// its digits — every record a consumer reads carries one, and Foundation's parser was a
    /// visible share of reading a record; any other form (an offset, lower-case letters)
    /// goes to Foundation's ISO 8601 parser.
    public static func parse(_ text: String) -> Date? {
        var text = text
        if let date = text.withUTF8(parseUTC) { return date }
        if let date = try? style.parse(text) { return date }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)
    }

    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1–9 digits, then `Z`; `nil` otherwise.
    static func parseUTC(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes.last == UInt8(ascii: "Z"),
              let year = number(0..<4), year >= 1, let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var nanoseconds = 0
        if bytes.count > 20 {
            let digits = 20..<(bytes.count - 1)
            guard bytes[19] == UInt8(ascii: "."), !digits.isEmpty, let fraction = number(digits) else { return nil }
            guard digits.count <= 9 else { return nil }
            nanoseconds = fraction
            for _ in digits.count..<9 { nanoseconds *= 10 }
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        let seconds = daysSinceReferenceDate(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
        return Date(timeIntervalSinceReferenceDate: Double(seconds) + Double(nanoseconds) / 1_000_000_000)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 2001-01-01 (Foundation's reference date) to the date in the proleptic
    /// Gregorian calendar (the civil-days algorithm; the era shift keeps divisions positive).
    private static func daysSinceReferenceDate(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = shiftedYear / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let daysSinceUnixEpoch = era * 146_097 + dayOfEra - 719_468
        return daysSinceUnixEpoch - 11_323
    }
}
