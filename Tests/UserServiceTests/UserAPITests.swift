import Foundation
import NIOHTTP1
import PostgresNIO
import Testing
import TestSupport
@testable import UserService

@Suite("user-service HTTP API", .timeLimit(.minutes(3)))
struct UserAPITests {
    @Test func createReadUpdatePatchDeleteHappyPath() async throws {
        try await withUserService(role: .apiOnly) { service in
            let created = try await service.http.send(.POST, "/users", headers: [("X-Request-ID", "req-create-1")], body: #"{"name":"Ada","email":"Ada@Example.com","bio":"math"}"#)
            #expect(created.status == 201)
            #expect(created.header("ETag") == "\"1\"")
            #expect(created.header("X-Request-ID") == "req-create-1")
            let user = try created.json()
            let id = try #require(user["id"] as? String)
            #expect(created.header("Location") == "/users/\(id)")
            #expect(user["name"] as? String == "Ada")
            #expect(user["email"] as? String == "Ada@Example.com")
            #expect(user["bio"] as? String == "math")
            #expect(user["version"] as? Int == 1)
            let createdAt = try #require(user["createdAt"] as? String)
            #expect(createdAt.hasSuffix("Z") && createdAt.count == 24, "RFC 3339 UTC with milliseconds: \(createdAt)")
            #expect(user["updatedAt"] as? String == createdAt)

            let read = try await service.http.send(.GET, "/users/\(id)")
            #expect(read.status == 200)
            #expect(read.header("ETag") == "\"1\"")
            #expect(try read.json()["email"] as? String == "Ada@Example.com")

            let replaced = try await service.http.send(.PUT, "/users/\(id)", headers: [("If-Match", "\"1\"")], body: #"{"name":"Ada L.","email":"ada@example.com","bio":"math"}"#)
            #expect(replaced.status == 200)
            #expect(replaced.header("ETag") == "\"2\"")
            #expect(try replaced.json()["version"] as? Int == 2)

            let patched = try await service.http.send(.PATCH, "/users/\(id)", headers: [("Content-Type", "application/merge-patch+json")], body: #"{"bio":null}"#)
            #expect(patched.status == 200)
            let patchedUser = try patched.json()
            #expect(patchedUser["version"] as? Int == 3)
            #expect(patchedUser["bio"] as? String == "")
            #expect(patchedUser["name"] as? String == "Ada L.")

            let unchanged = try await service.http.send(.PATCH, "/users/\(id)", body: #"{"name":"Ada L."}"#)
            #expect(unchanged.status == 200)
            #expect(try unchanged.json()["version"] as? Int == 3, "a patch that changes nothing keeps the version")

            #expect(try await service.count("outbox") == 3, "create, put and the first patch emit; the no-op patch does not")

            let deleted = try await service.http.send(.DELETE, "/users/\(id)", headers: [("If-Match", "\"3\"")])
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
            #expect(try await service.http.send(.GET, "/users/\(id)").status == 404)
            #expect(try await service.count("outbox") == 4)
            #expect(try await service.count("outbox", where: "event_type = 'UserDeleted'") == 1)
        }
    }

    @Test func eventCarriesTheDocumentedCloudEvent() async throws {
        try await withUserService(role: .apiOnly) { service in
            let created = try await service.http.send(.POST, "/users", headers: [("X-Request-ID", "trace-42")], body: #"{"name":"Grace","email":"grace@example.com"}"#)
            let id = try #require(try created.json()["id"] as? String)
            _ = try await service.http.send(.PATCH, "/users/\(id)", body: #"{"name":"Grace H."}"#)
            let rows = try await service.database.client.query("SELECT payload FROM outbox ORDER BY id").decode(String.self)
            var payloads: [[String: Any]] = []
            for try await payload in rows { payloads.append(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as! [String: Any]) }
            #expect(payloads.count == 2)
            let first = payloads[0]
            #expect(first["specversion"] as? String == "1.0")
            #expect(first["source"] as? String == "/user-service")
            #expect(first["type"] as? String == "UserProfileUpdated")
            #expect(first["subject"] as? String == id)
            #expect(first["datacontenttype"] as? String == "application/json")
            #expect(first["correlationid"] as? String == "trace-42")
            #expect(UUID(uuidString: first["id"] as? String ?? "") != nil)
            let data = try #require(first["data"] as? [String: Any])
            #expect(data["userId"] as? String == id)
            #expect(data["version"] as? Int == 1)
            #expect(data["changedFields"] as? [String] == ["name", "email", "bio"])
            let second = try #require(payloads[1]["data"] as? [String: Any])
            #expect(second["version"] as? Int == 2)
            #expect(second["changedFields"] as? [String] == ["name"])
            #expect(payloads[1]["correlationid"] as? String != nil, "a generated request id is carried too")
        }
    }

    @Test func errorStatusesAnswerWithProblemDetailsAndWriteNothing() async throws {
        try await withUserService(role: .apiOnly) { service in
            let user = try await service.createUser(email: "taken@example.com")
            let id = try #require(user["id"] as? String)
            let before = (try await service.count("users"), try await service.count("outbox"))

            let cases: [(method: HTTPMethodName, path: String, headers: [(String, String)], body: String?, status: Int, detail: String)] = [
                (.post, "/users", [], #"{"name": "x", "#, 400, "not valid JSON"),
                (.post, "/users", [], "[1,2]", 400, "JSON object"),
                (.post, "/users", [], "", 400, "empty"),
                (.post, "/users", [], #"{"email":"a@example.com"}"#, 422, "name is required"),
                (.post, "/users", [], #"{"name":"A"}"#, 422, "email is required"),
                (.post, "/users", [], #"{"name":"","email":"a@example.com"}"#, 422, "name must be 1 to 200"),
                (.post, "/users", [], #"{"name":"   ","email":"a@example.com"}"#, 422, "blank"),
                (.post, "/users", [], #"{"name":42,"email":"a@example.com"}"#, 422, "must be a string"),
                (.post, "/users", [], #"{"name":"A","email":"not-an-address"}"#, 422, "valid address"),
                (.post, "/users", [], #"{"name":"A","email":"a@b@example.com"}"#, 422, "valid address"),
                (.post, "/users", [], #"{"name":"A","email":"a@example.com","bio":\#(String(repeating: "x", count: 2001).debugDescription)}"#, 422, "bio must be at most 2000"),
                (.post, "/users", [], #"{"name":"A","email":"a@example.com","admin":true}"#, 422, "unknown field 'admin'"),
                (.post, "/users", [], #"{"name":"A\u0000B","email":"a@example.com"}"#, 422, "control characters"),
                (.post, "/users", [], #"{"name":"A","email":"a@example.com","bio":"nul \u0000 here"}"#, 422, "control characters"),
                (.post, "/users", [], #"{"name":"Dup","email":"TAKEN@example.com"}"#, 409, "already taken"),
                (.post, "/users", [("Content-Type", "text/plain")], #"{"name":"A","email":"a@example.com"}"#, 415, "application/json"),
                (.get, "/users/\(UUID().uuidString)", [], nil, 404, "no user"),
                (.get, "/users/not-a-uuid", [], nil, 404, "UUIDs"),
                (.get, "/users/'%20OR%201=1--", [], nil, 404, "UUIDs"),
                (.put, "/users/\(UUID().uuidString)", [], #"{"name":"A","email":"a@example.com"}"#, 404, "no user"),
                (.put, "/users/\(id)", [("If-Match", "\"7\"")], #"{"name":"A","email":"a2@example.com"}"#, 412, "version 1"),
                (.put, "/users/\(id)", [], #"{"name":"A"}"#, 422, "email is required"),
                (.patch, "/users/\(id)", [], #"{"nickname":"x"}"#, 422, "unknown field 'nickname'"),
                (.patch, "/users/\(id)", [], #"{"name":null}"#, 422, "cannot be removed"),
                (.patch, "/users/\(id)", [], #"{"email":true}"#, 422, "must be a string"),
                (.patch, "/users/\(id)", [("If-Match", "\"2\"")], #"{"bio":"x"}"#, 412, "version 1"),
                (.patch, "/users/\(id)", [("If-Match", "garbage")], #"{"bio":"x"}"#, 412, "version 1"),
                (.delete, "/users/\(id)", [("If-Match", "\"5\"")], nil, 412, "version 1"),
                (.delete, "/users/\(UUID().uuidString)", [], nil, 404, "no user"),
            ]
            for item in cases {
                let response = try await service.http.send(item.method.nio, item.path, headers: item.headers, body: item.body)
                #expect(response.status == item.status, "\(item.method) \(item.path) \(item.body ?? "") → \(response.status) \(response.text)")
                #expect(response.header("Content-Type") == "application/problem+json", "\(item.method) \(item.path)")
                let problem = try response.json()
                #expect(problem["status"] as? Int == item.status)
                #expect(problem["title"] as? String != nil)
                let detail = problem["detail"] as? String ?? ""
                #expect(detail.contains(item.detail), "detail '\(detail)' should mention '\(item.detail)'")
                if item.status == 412 { #expect(problem["currentVersion"] as? Int == 1) }
            }
            #expect(try await service.count("users") == before.0, "refused requests wrote no user")
            #expect(try await service.count("outbox") == before.1, "refused requests wrote no event")
            #expect(try await service.http.send(.GET, "/users/\(id)").header("ETag") == "\"1\"")
        }
    }

    @Test func oversizedBodyIsRefusedWith413() async throws {
        try await withUserService(role: .apiOnly) { service in
            let huge = #"{"name":"A","email":"a@example.com","bio":""# + String(repeating: "x", count: 70 * 1024) + #""}"#
            let response = try await service.http.send(.POST, "/users", body: huge)
            #expect(response.status == 413)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(try await service.count("users") == 0)
        }
    }

    @Test func hostileButValidStringsAreStoredVerbatim() async throws {
        try await withUserService(role: .apiOnly) { service in
            let name = "Robert'); DROP TABLE users;-- \"quoted\" 🧑🏽‍💻 " + String(repeating: "é", count: 150)
            let bio = "line one\nline\ttwo; SELECT * FROM outbox; 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 " + String(repeating: "漢", count: 1800)
            let created = try await service.http.send(.POST, "/users", body: service.http.json(["name": name, "email": "o'brien+tag@example.com", "bio": bio]))
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(try created.json()["id"] as? String)
            let read = try await service.http.send(.GET, "/users/\(id)").json()
            #expect(read["name"] as? String == name)
            #expect(read["bio"] as? String == bio)
            #expect(read["email"] as? String == "o'brien+tag@example.com")
            #expect(try await service.count("users") == 1, "the users table survived")
        }
    }

    @Test func failedTransactionLeavesNeitherRowNorOutboxEntry() async throws {
        try await withUserService(role: .apiOnly) { service in
            // Make the outbox insert (the second statement of the write) fail.
            try await service.database.client.query("ALTER TABLE outbox ADD CONSTRAINT refuse_all CHECK (event_type = 'nothing')")
            let response = try await service.http.send(.POST, "/users", body: #"{"name":"A","email":"a@example.com"}"#)
            #expect(response.status == 500)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(!response.text.contains("refuse_all"), "no database error text in the response")
            #expect(try await service.count("users") == 0)
            #expect(try await service.count("outbox") == 0)
        }
    }

    @Test func concurrentPutsWithTheSameIfMatchLetExactlyOneWin() async throws {
        try await withUserService(role: .apiOnly) { service in
            let id = try #require(try await service.createUser()["id"] as? String)
            async let first = service.http.send(.PUT, "/users/\(id)", headers: [("If-Match", "\"1\"")], body: #"{"name":"First","email":"first@example.com"}"#)
            async let second = service.http.send(.PUT, "/users/\(id)", headers: [("If-Match", "\"1\"")], body: #"{"name":"Second","email":"second@example.com"}"#)
            let statuses = try await [first.status, second.status].sorted()
            #expect(statuses == [200, 412])
            #expect(try await service.count("outbox") == 2, "create + one update")
        }
    }

    @Test func concurrentPutsWithoutIfMatchBothApplyInTurn() async throws {
        try await withUserService(role: .apiOnly) { service in
            let id = try #require(try await service.createUser()["id"] as? String)
            async let first = service.http.send(.PUT, "/users/\(id)", body: #"{"name":"First","email":"first@example.com"}"#)
            async let second = service.http.send(.PUT, "/users/\(id)", body: #"{"name":"Second","email":"second@example.com"}"#)
            let responses = try await [first, second]
            #expect(responses.map(\.status) == [200, 200])
            let versions = try responses.map { try $0.json()["version"] as? Int ?? 0 }.sorted()
            #expect(versions == [2, 3])
            #expect(try await service.count("outbox") == 3)
        }
    }

    @Test func idempotentRetryReplaysTheFirstResponseAndWritesNothing() async throws {
        try await withUserService(role: .apiOnly) { service in
            let body = #"{"name":"Idem","email":"idem@example.com"}"#
            let first = try await service.http.send(.POST, "/users", headers: [("Idempotency-Key", "key-1")], body: body)
            #expect(first.status == 201)
            #expect(first.header("Idempotent-Replayed") == nil)
            let again = try await service.http.send(.POST, "/users", headers: [("Idempotency-Key", "key-1")], body: body)
            #expect(again.status == 201)
            #expect(again.header("Idempotent-Replayed") == "true")
            #expect(again.body == first.body)
            #expect(again.header("Location") == first.header("Location"))
            #expect(again.header("ETag") == first.header("ETag"))
            #expect(try await service.count("users") == 1)
            #expect(try await service.count("outbox") == 1)

            let different = try await service.http.send(.POST, "/users", headers: [("Idempotency-Key", "key-1")], body: #"{"name":"Other","email":"other@example.com"}"#)
            #expect(different.status == 422)
            #expect(try different.json()["detail"] as? String ?? "" != "")
            #expect(try await service.count("users") == 1)

            let id = try #require(try first.json()["id"] as? String)
            let patch = #"{"bio":"once"}"#
            let patched = try await service.http.send(.PATCH, "/users/\(id)", headers: [("Idempotency-Key", "key-2")], body: patch)
            let patchedAgain = try await service.http.send(.PATCH, "/users/\(id)", headers: [("Idempotency-Key", "key-2")], body: patch)
            #expect(patched.status == 200 && patchedAgain.status == 200)
            #expect(patchedAgain.header("Idempotent-Replayed") == "true")
            #expect(try patchedAgain.json()["version"] as? Int == 2)
            let deleted = try await service.http.send(.DELETE, "/users/\(id)", headers: [("Idempotency-Key", "key-3")])
            let deletedAgain = try await service.http.send(.DELETE, "/users/\(id)", headers: [("Idempotency-Key", "key-3")])
            #expect(deleted.status == 204 && deletedAgain.status == 204, "a retried delete replays 204 rather than 404")
            #expect(try await service.count("outbox") == 3)
        }
    }

    @Test func concurrentRequestsWithOneIdempotencyKeyWriteOnce() async throws {
        try await withUserService(role: .apiOnly) { service in
            let body = #"{"name":"Race","email":"race@example.com"}"#
            let responses = try await withThrowingTaskGroup(of: HTTPTestResponse.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await service.http.send(.POST, "/users", headers: [("Idempotency-Key", "race")], body: body) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.allSatisfy { $0.status == 201 }, "\(responses.map(\.status))")
            #expect(Set(responses.map(\.body)).count == 1, "every answer is the first answer")
            #expect(try await service.count("users") == 1)
            #expect(try await service.count("outbox") == 1)
        }
    }

    @Test func operationalEndpointsAnswer() async throws {
        try await withUserService(role: .apiOnly) { service in
            #expect(try await service.http.send(.GET, "/health").status == 200)
            let ready = try await service.http.send(.GET, "/ready")
            #expect(ready.status == 200, "\(ready.text)")
            let metrics = try await service.http.send(.GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            let unknown = try await service.http.send(.GET, "/nope")
            #expect(unknown.status == 404)
            #expect(unknown.header("Content-Type") == "application/problem+json")
        }
    }
}
