import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import Observability
import TestSupport
@testable import UserService

/// A running user-service on a fresh database and a mock cluster topic, over real HTTP.
struct UserServiceHarness: Sendable {
    let http: HTTPTestClient
    /// The management listener: `/metrics`, `/consistency/*`.
    let management: HTTPTestClient
    let database: TestDatabase
    let broker: TestBroker
    let topic: String
    let telemetry: Telemetry

    func count(_ table: String, where condition: String = "true") async throws -> Int {
        try await database.count(table, where: condition)
    }

    /// The current value of an unlabelled metric on this instance's registry.
    func metric(_ name: String) -> Double? {
        MetricText.value(name, in: telemetry.render())
    }

    /// Creates a user and returns its JSON.
    func createUser(name: String = "Ada Lovelace", email: String? = nil, bio: String = "") async throws -> [String: Any] {
        let address = email ?? "user-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let response = try await http.send(.POST, "/users", body: http.json(["name": name, "email": address, "bio": bio]))
        guard response.status == 201 else { throw TestFailure("create failed: \(response.status) \(response.text)") }
        return try response.json()
    }
}

/// Runs user-service with its own database and topic, on a live HTTP server, for the duration of `body`.
func withUserService(
    role: UserServiceRole = .apiAndRelay,
    broker: TestBroker? = nil,
    configure: (inout UserServiceConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (UserServiceHarness) async throws -> Void
) async throws {
    let broker = try broker ?? TestBroker()
    let topic = try broker.makeTopic("user-events")
    try await withTestDatabase(prefix: "users") { database in
        var configuration = UserServiceConfiguration.forTests(database: database, broker: broker, topic: topic)
        configure(&configuration)
        let managementPort = configuration.management.port
        let telemetry = Telemetry()
        try await database.migrate(configuration.schema)
        let app = try await buildApplication(configuration: configuration, role: role, telemetry: telemetry, logger: testLogger("user-service"))
        try await app.test(.live) { client in
            let harness = UserServiceHarness(
                http: HTTPTestClient(port: client.port!), management: HTTPTestClient(port: managementPort), database: database, broker: broker, topic: topic, telemetry: telemetry
            )
            try await body(harness)
        }
    }
}
