import Foundation
import NIOHTTP1
import PostgresNIO
import TestSupport
import Testing

/// Who may do what, against the three running services: every public route × every kind of
/// token, with the status each must answer; for every refusal, nothing was written.
@Suite("access: bearer tokens, own-profile rules, emails only to their owner", .timeLimit(.minutes(5)))
struct AccessTests {
    /// The tokens a caller can present.
    enum Presented: String, CaseIterable, Sendable {
        case none, expired, notYetValid, wrongIssuer, wrongAudience, algorithmNone, hmacWithThePublicKey, unknownKey, anotherUser, ownUser, admin

        /// The token for acting on `user` (`other` is a second, existing user).
        func token(user: UUID, other: UUID) -> String? {
            let subject = user.uuidString.lowercased()
            switch self {
            case .none: return nil
            case .expired: return TestTokens.token(subject: subject, expires: Date().addingTimeInterval(-60))
            case .notYetValid: return TestTokens.token(subject: subject, notBefore: Date().addingTimeInterval(600))
            case .wrongIssuer: return TestTokens.token(subject: subject, issuer: "someone-else")
            case .wrongAudience: return TestTokens.token(subject: subject, audience: "another-api")
            case .algorithmNone: return TestTokens.unsigned(subject: subject)
            case .hmacWithThePublicKey: return TestTokens.hmacWithThePublicKey(subject: subject)
            case .unknownKey: return TestTokens.signedByAnotherKey(subject: subject)
            case .anotherUser: return TestTokens.token(subject: other.uuidString.lowercased())
            case .ownUser: return TestTokens.token(subject: subject)
            case .admin: return TestTokens.admin
            }
        }

        var isValid: Bool { [.anotherUser, .ownUser, .admin].contains(self) }
    }

    enum Route: String, CaseIterable, Sendable {
        case createUser = "POST /users", readUser = "GET /users/{id}", replaceUser = "PUT /users/{id}", patchUser = "PATCH /users/{id}"
        case deleteUser = "DELETE /users/{id}", search = "GET /search", searchUser = "GET /search/users/{id}"
        case summary = "GET /analytics/summary", analyticsUser = "GET /analytics/users/{id}"

        /// The status a caller presenting `token` gets.
        func expected(_ token: Presented) -> Int {
            guard token.isValid else { return 401 }
            switch (self, token) {
            case (.createUser, .admin): return 201
            case (.createUser, _): return 403
            case (.readUser, .anotherUser), (.replaceUser, .anotherUser), (.patchUser, .anotherUser), (.deleteUser, .anotherUser): return 403
            case (.deleteUser, _): return 204
            default: return 200
            }
        }

        var writes: Bool { [.createUser, .replaceUser, .patchUser, .deleteUser].contains(self) }
    }

    @Test
    func everyPublicRouteAnswersEachKindOfTokenAsTheTableSaysAndRefusalsWriteNothing() async throws {
        try await RunningSystem.run(try SystemWorld()) { system in
            let admin = system.userAPI
            func create(_ name: String) async throws -> UUID {
                let response = try await admin.send(.POST, "/users", body: #"{"name":"\#(name)","email":"\#(name.lowercased())-\#(UUID().uuidString.prefix(8))@example.com"}"#)
                return try #require(UUID(uuidString: try response.json()["id"] as? String ?? ""), "\(response.status) \(response.text)")
            }
            let other = try await create("Other")
            var table: [String] = []
            for route in Route.allCases {
                for presented in Presented.allCases {
                    // A user of its own for each case, projected, so every write meets a user at version 1.
                    let user = try await create("Target")
                    let path = user.uuidString.lowercased()
                    try await eventually("\(path) in both projections") {
                        let indexed = try await system.searchAPI.send(.GET, "/search/users/\(path)").status == 200
                        let counted = try await system.analyticsAPI.send(.GET, "/analytics/users/\(path)").status == 200
                        return indexed && counted
                    }
                    let client = HTTPTestClient(baseURL: route == .search || route == .searchUser ? system.searchAPI.baseURL
                        : route == .summary || route == .analyticsUser ? system.analyticsAPI.baseURL : system.userAPI.baseURL,
                        token: presented.token(user: user, other: other))
                    let before = try await Self.rows(system)
                    let response: HTTPTestResponse = switch route {
                    case .createUser: try await client.send(.POST, "/users", body: #"{"name":"New","email":"new-\#(UUID().uuidString.prefix(8))@example.com"}"#)
                    case .readUser: try await client.send(.GET, "/users/\(path)")
                    case .replaceUser: try await client.send(.PUT, "/users/\(path)", headers: [("If-Match", "\"1\"")], body: #"{"name":"Changed","email":"changed-\#(path.prefix(8))@example.com"}"#)
                    case .patchUser: try await client.send(.PATCH, "/users/\(path)", headers: [("If-Match", "\"1\"")], body: #"{"bio":"changed"}"#)
                    case .deleteUser: try await client.send(.DELETE, "/users/\(path)", headers: [("If-Match", "\"1\"")])
                    case .search: try await client.send(.GET, "/search?q=target")
                    case .searchUser: try await client.send(.GET, "/search/users/\(path)")
                    case .summary: try await client.send(.GET, "/analytics/summary")
                    case .analyticsUser: try await client.send(.GET, "/analytics/users/\(path)")
                    }
                    let expected = route.expected(presented)
                    table.append("\(route.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)) \(presented.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)) \(response.status)")
                    #expect(response.status == expected, "\(route.rawValue) with \(presented.rawValue): \(response.status) \(response.text)")
                    if response.status == 401 {
                        #expect(response.header("WWW-Authenticate")?.hasPrefix("Bearer realm=") == true, "\(route.rawValue) \(presented.rawValue)")
                        #expect(response.header("Content-Type") == "application/problem+json")
                    }
                    if response.status >= 400 {
                        #expect(try await Self.rows(system) == before, "\(route.rawValue) with \(presented.rawValue) was refused but wrote")
                    }
                    // Emails: the hit and the document carry one only for the user itself and for admins.
                    if route == .searchUser, response.status == 200 {
                        #expect((try response.json()["email"] != nil) == (presented != .anotherUser), "\(presented.rawValue): email shown \(response.text)")
                    }
                    if route == .search, response.status == 200 {
                        let hits = try response.json()["hits"] as? [[String: Any]] ?? []
                        let own = hits.filter { $0["userId"] as? String == path }
                        let others = hits.filter { $0["userId"] as? String != path }
                        #expect(others.allSatisfy { $0["email"] == nil } || presented == .admin, "\(presented.rawValue) sees other users' emails")
                        #expect(own.allSatisfy { $0["email"] != nil } || presented == .anotherUser)
                    }
                }
            }
            print("access table (route, token, status):\n" + table.joined(separator: "\n"))
        }
    }

    /// Users and outbox rows: what a write would change.
    static func rows(_ system: RunningSystem) async throws -> [Int] {
        var counts: [Int] = []
        for query in ["SELECT count(*) FROM users", "SELECT count(*) FROM outbox", "SELECT coalesce(sum(version), 0)::bigint FROM users"] {
            let rows = try await system.users.client.query(PostgresQuery(unsafeSQL: query)).collect()
            counts.append(try rows[0].decode(Int.self))
        }
        return counts
    }
}
