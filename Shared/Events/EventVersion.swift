/// The range of a user's version, and the only arithmetic done on one.
///
/// A version is 1 on create and one more with every change; it never leaves
/// 1…2^53−1, the integers every JSON reader represents exactly (a JavaScript or
/// Python client parsing an event must not round it). An event carrying another
/// value is refused, and no increment can overflow: ``next(after:)`` checks.
public enum EventVersion {
    /// 2^53 − 1.
    public static let maximum: Int64 = 9_007_199_254_740_991
    public static let range: ClosedRange<Int64> = 1...maximum

    /// The version after `version`, or an error when it would leave the range.
    public static func next(after version: Int64) throws(VersionOutOfRange) -> Int64 {
        guard range.contains(version), version < maximum else { throw VersionOutOfRange(version: version, operation: "the version after") }
        return version + 1
    }

    /// `version`, or an error when it is outside the range.
    public static func checked(_ version: Int64) throws(VersionOutOfRange) -> Int64 {
        guard range.contains(version) else { throw VersionOutOfRange(version: version, operation: "version") }
        return version
    }
}
