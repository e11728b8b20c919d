import Consumer
import ServiceConfiguration
import Testing

@Suite("consumer configuration from the environment")
struct ConsumerConfigurationTests {
    @Test func theGroupIsTheServiceNameUnlessConsumerGroupNamesAnother() throws {
        let standard = try ConsumerConfiguration(group: "search-service", defaultDatabase: "search", environment: EnvironmentReader([:]))
        #expect(standard.group == "search-service")
        #expect(standard.deadLetterTopic == "user-events.search-service.dlq")
        let copy = try ConsumerConfiguration(group: "search-service", defaultDatabase: "search", environment: EnvironmentReader(["CONSUMER_GROUP": "search-v2"]))
        #expect(copy.group == "search-v2")
        #expect(copy.deadLetterTopic == "user-events.search-v2.dlq", "each group has its own dead letters")
    }

    @Test func aGroupNameKafkaWouldRefuseIsAConfigurationError() {
        for bad in ["with space", "slash/ed", String(repeating: "g", count: 201)] {
            #expect(throws: ConfigurationError.self, "\(bad.debugDescription)") {
                try ConsumerConfiguration(group: "search-service", defaultDatabase: "search", environment: EnvironmentReader(["CONSUMER_GROUP": bad]))
            }
        }
    }
}
