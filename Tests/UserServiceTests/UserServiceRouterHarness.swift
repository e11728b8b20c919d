import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Observability
import TestSupport
@testable import UserService

/// user-service's real application (routes, middleware, PostgreSQL on a fresh
/// database) driven through its router: no HTTP server, no socket.
struct UserServiceRouterHarness: Sendable {
    let client: any TestClientProtocol
    let database: TestDatabase

    /// Sends a request; a body is declared as `application/json` unless `headers` say otherwise.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ path: String, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> TestResponse {
        try await send(method, path, headers: headers, bytes: body.map { Array($0.utf8) })
    }

    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ path: String, headers: [(String, String)] = [], bytes: [UInt8]?
    ) async throws -> TestResponse {
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let name = HTTPField.Name(name) else { throw TestFailure("'\(name)' is not a header name") }
            fields.append(HTTPField(name: name, value: value))
        }
        if bytes != nil, fields[.contentType] == nil { fields[.contentType] = "application/json" }
        if fields[.authorization] == nil { fields[.authorization] = "Bearer \(TestTokens.admin)" }
        return try await client.executeRequest(uri: path, method: method, headers: fields, body: bytes.map { ByteBuffer(bytes: $0) })
    }

    func count(_ table: String, where condition: String = "true") async throws -> Int {
        try await database.count(table, where: condition)
    }

    /// Creates a user and returns its id.
    func createUser(email: String) async throws -> String {
        let response = try await send(.post, "/users", body: #"{"name":"Ada Lovelace","email":"\#(email)"}"#)
        guard response.status == .created, let id = try response.json()["id"] as? String else {
            throw TestFailure("create failed: \(response.status) \(response.text)")
        }
        return id
    }
}

/// Runs user-service's API (no relay) on its own database for the duration of `body`, through its router.
func withUserServiceRouter(_ body: @escaping @Sendable (UserServiceRouterHarness) async throws -> Void) async throws {
    let broker = try TestBroker()
    try await withTestDatabase(prefix: "users") { database in
        let configuration = UserServiceConfiguration.forTests(database: database, broker: broker, topic: "unused")
        try await database.migrate(configuration.schema)
        let app = try await buildApplication(configuration: configuration, role: .apiOnly, telemetry: Telemetry(), logger: testLogger("user-service"))
        try await app.test(.router) { client in
            try await body(UserServiceRouterHarness(client: client, database: database))
        }
    }
}
