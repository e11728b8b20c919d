import HTTPSupport
import TestSupport
@testable import UserService

extension UserServiceConfiguration {
    /// user-service on the loopback interface and a free port, with the test's database,
    /// broker and topic, and a relay that polls every 250 ms.
    static func forTests(database: TestDatabase, broker: TestBroker, topic: String) -> UserServiceConfiguration {
        var configuration = UserServiceConfiguration()
        configuration.http.host = "127.0.0.1"
        configuration.http.port = 0
        configuration.management = HTTPServerSettings(host: "127.0.0.1", port: (try? freeLocalPort()) ?? 0)
        configuration.databaseURL = database.url
        configuration.kafkaBrokers = broker.bootstrapServers
        configuration.relay.topic = topic
        configuration.relay.pollInterval = .milliseconds(250)
        configuration.signingKey = TestEventKeys.signing
        configuration.access = TestTokens.settings
        return configuration
    }
}
