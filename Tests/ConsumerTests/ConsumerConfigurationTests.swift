import AsyncPrimitives
import Consumer
import Events
import Foundation
import ServiceConfiguration
import TestSupport
import Testing

@Suite("consumer configuration from the environment")
struct ConsumerConfigurationTests {
    static let keys = ["EVENT_VERIFY_KEYS": TestEventKeys.signing.exported]

    static func configuration(_ extra: [String: String] = [:]) throws -> ConsumerConfiguration {
        try ConsumerConfiguration(
            group: "search-service", defaultDatabase: "search", environment: EnvironmentReader(keys.merging(extra) { $1 })
        )
    }

    @Test func theGroupIsTheServiceNameUnlessConsumerGroupNamesAnother() throws {
        let standard = try Self.configuration()
        #expect(standard.group == "search-service")
        #expect(standard.deadLetterTopic == "user-events.search-service.dlq")
        let copy = try Self.configuration(["CONSUMER_GROUP": "search-v2"])
        #expect(copy.group == "search-v2")
        #expect(copy.deadLetterTopic == "user-events.search-v2.dlq", "each group has its own dead letters")
    }

    @Test func aGroupNameKafkaWouldRefuseIsAConfigurationError() {
        for bad in ["with space", "slash/ed", String(repeating: "g", count: 201)] {
            #expect(throws: ConfigurationError.self, "\(bad.debugDescription)") {
                try Self.configuration(["CONSUMER_GROUP": bad])
            }
        }
    }

    @Test func verifyKeysAreRequiredAndReadFromTheVariableOrAFile() throws {
        #expect {
            try ConsumerConfiguration(group: "search-service", defaultDatabase: "search", environment: EnvironmentReader([:]))
        } throws: { error in
            "\(error)".contains("EVENT_VERIFY_KEYS (or EVENT_VERIFY_KEYS_FILE) is required")
        }
        let two = try Self.configuration(["EVENT_VERIFY_KEYS": "\(TestEventKeys.signing.exported),\(TestEventKeys.rotated.exported)"])
        #expect(two.verifyKeys.ids == ["test-1", "test-2"])

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("verify-keys-\(UUID().uuidString)")
        try Data("\(TestEventKeys.rotated.exported)\n\(TestEventKeys.signing.exported)\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try ConsumerConfiguration(
            group: "search-service", defaultDatabase: "search", environment: EnvironmentReader(["EVENT_VERIFY_KEYS_FILE": file.path])
        )
        #expect(fromFile.verifyKeys.ids == ["test-1", "test-2"], "one key per line")
    }

    @Test func anUnusableKeyIsRefusedWithoutShowingItsSecret() throws {
        let short = "k1:" + Data(repeating: 7, count: 16).base64EncodedString()
        for (text, words) in [(short, "at least 32"), ("k1", "no ':'"), ("bad id!:AAAA", "id must be"), ("k1:@@@", "not base64")] {
            #expect(throws: ConfigurationError.self) { try Self.configuration(["EVENT_VERIFY_KEYS": text]) }
            do {
                _ = try Self.configuration(["EVENT_VERIFY_KEYS": text])
            } catch {
                #expect("\(error)".contains(words), "\(error)")
                #expect(!"\(error)".contains(short.dropFirst(3)), "the secret must not be in the message")
            }
        }
        let secret = String(TestEventKeys.signing.exported.split(separator: ":")[1])
        #expect(!"\(TestEventKeys.signing)".contains(secret))
        #expect(!"\(TestEventKeys.verify)".contains(secret))
    }

    @Test func retriesFollowTheDesignUnlessTheOperatorSetsAttemptsOrCap() throws {
        let standard = try Self.configuration()
        #expect(standard.retry == RetryPolicy(base: .milliseconds(100), factor: 2, cap: .seconds(30), jitter: .full, maxAttempts: 5))
        #expect(standard.pollRetry == .fixed(.milliseconds(200)))
        let tuned = try Self.configuration(["CONSUMER_MAX_ATTEMPTS": "8", "CONSUMER_RETRY_CAP_SECONDS": "5"])
        #expect(tuned.retry == RetryPolicy(base: .milliseconds(100), factor: 2, cap: .seconds(5), jitter: .full, maxAttempts: 8))
        for (name, bad) in [("CONSUMER_MAX_ATTEMPTS", "0"), ("CONSUMER_MAX_ATTEMPTS", "many"), ("CONSUMER_RETRY_CAP_SECONDS", "0")] {
            #expect(throws: ConfigurationError.self, "\(name)=\(bad)") { try Self.configuration([name: bad]) }
        }
    }
}
