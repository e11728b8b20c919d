import Events
import Testing

/// Version arithmetic never traps: every increment and every value read is checked
/// against 1…2^53−1, and an out-of-range one is an error naming it.
@Suite("Event versions: 1…2^53−1, checked increments")
struct EventVersionTests {
    @Test(arguments: [Int64(1), 41, EventVersion.maximum - 1])
    func theVersionAfterOneInRangeIsOneMore(_ version: Int64) throws {
        #expect(try EventVersion.next(after: version) == version + 1)
        #expect(try EventVersion.checked(version) == version)
    }

    @Test(arguments: [EventVersion.maximum, EventVersion.maximum + 1, Int64.max, 0, -1, Int64.min])
    func thereIsNoVersionAfterTheTopOrAfterOneOutsideTheRange(_ version: Int64) {
        #expect(throws: VersionOutOfRange(version: version, operation: "the version after")) {
            try EventVersion.next(after: version)
        }
    }

    @Test(arguments: [EventVersion.maximum + 1, Int64.max, 0, -1, Int64.min])
    func aValueOutsideTheRangeIsRefusedWithItsReason(_ version: Int64) {
        #expect(throws: VersionOutOfRange(version: version, operation: "version")) { try EventVersion.checked(version) }
        #expect("\(VersionOutOfRange(version: version, operation: "version"))" == "version \(version) is outside the range of versions, 1…9007199254740991 (2^53−1)")
    }
}
