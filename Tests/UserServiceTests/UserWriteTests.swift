import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport
@testable import UserService

/// Through the router: what a write stores, the event it emits, its transaction and its `Idempotency-Key`.
@Suite("user-service writes: storage, event, transaction, idempotency", .timeLimit(.minutes(3)))
struct UserWriteTests {
    @Test func eventCarriesTheDocumentedCloudEvent() async throws {
        try await withUserServiceRouter { service in
            let created = try await service.send(.post, "/users", headers: [("X-Request-ID", "trace-42")], body: #"{"name":"Grace","email":"grace@example.com"}"#)
            let id = try #require(try created.json()["id"] as? String)
            _ = try await service.send(.patch, "/users/\(id)", body: #"{"name":"Grace H."}"#)
            let rows = try await service.database.client.query("SELECT payload FROM outbox ORDER BY id").decode(String.self)
            var payloads: [[String: Any]] = []
            for try await payload in rows { payloads.append(try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])) }
            #expect(payloads.count == 2)
            let first = payloads[0]
            #expect(first["specversion"] as? String == "1.0")
            #expect(first["source"] as? String == "/user-service")
            #expect(first["type"] as? String == "UserProfileUpdated")
            #expect(first["subject"] as? String == id)
            #expect(first["datacontenttype"] as? String == "application/json")
            #expect(first["dataschema"] as? String == "https://event-driven-users.example/schemas/user-profile-updated.json")
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

    @Test func hostileButValidStringsAreStoredVerbatim() async throws {
        try await withUserServiceRouter { service in
            let name = "Robert'); DROP TABLE users;-- \"quoted\" 🧑🏽‍💻 " + String(repeating: "é", count: 150)
            let bio = "line one\nline\ttwo; SELECT * FROM outbox; 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 " + String(repeating: "漢", count: 1800)
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["name": name, "email": "o'brien+tag@example.com", "bio": bio]), as: UTF8.self)
            let created = try await service.send(.post, "/users", body: body)
            #expect(created.status.code == 201, "\(created.text)")
            let id = try #require(try created.json()["id"] as? String)
            let read = try await service.send(.get, "/users/\(id)").json()
            #expect(read["name"] as? String == name)
            #expect(read["bio"] as? String == bio)
            #expect(read["email"] as? String == "o'brien+tag@example.com")
            #expect(try await service.count("users") == 1, "the users table survived")
        }
    }

    @Test func failedTransactionLeavesNeitherRowNorOutboxEntry() async throws {
        try await withUserServiceRouter { service in
            // Make the outbox insert (part of the write's one statement) fail: the user row goes with it.
            try await service.database.client.query("ALTER TABLE outbox ADD CONSTRAINT refuse_all CHECK (event_type = 'nothing')")
            let response = try await service.send(.post, "/users", body: #"{"name":"A","email":"a@example.com"}"#)
            #expect(response.status.code == 500)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(!response.text.contains("refuse_all"), "no database error text in the response")
            #expect(try await service.count("users") == 0)
            #expect(try await service.count("outbox") == 0)
        }
    }

    @Test func idempotentRetryReplaysTheFirstResponseAndWritesNothing() async throws {
        try await withUserServiceRouter { service in
            let body = #"{"name":"Idem","email":"idem@example.com"}"#
            let first = try await service.send(.post, "/users", headers: [("Idempotency-Key", "key-1")], body: body)
            #expect(first.status.code == 201)
            #expect(first.header("Idempotent-Replayed") == nil)
            let again = try await service.send(.post, "/users", headers: [("Idempotency-Key", "key-1")], body: body)
            #expect(again.status.code == 201)
            #expect(again.header("Idempotent-Replayed") == "true")
            #expect(again.body == first.body)
            #expect(again.header("Location") == first.header("Location"))
            #expect(again.header("ETag") == first.header("ETag"))
            #expect(try await service.count("users") == 1)
            #expect(try await service.count("outbox") == 1)

            let different = try await service.send(.post, "/users", headers: [("Idempotency-Key", "key-1")], body: #"{"name":"Other","email":"other@example.com"}"#)
            #expect(different.status.code == 422)
            #expect(try different.json()["detail"] as? String ?? "" != "")
            #expect(try await service.count("users") == 1)

            let id = try #require(try first.json()["id"] as? String)
            let patch = #"{"bio":"once"}"#
            let patched = try await service.send(.patch, "/users/\(id)", headers: [("Idempotency-Key", "key-2")], body: patch)
            let patchedAgain = try await service.send(.patch, "/users/\(id)", headers: [("Idempotency-Key", "key-2")], body: patch)
            #expect(patched.status.code == 200 && patchedAgain.status.code == 200)
            #expect(patchedAgain.header("Idempotent-Replayed") == "true")
            #expect(try patchedAgain.json()["version"] as? Int == 2)
            let deleted = try await service.send(.delete, "/users/\(id)", headers: [("Idempotency-Key", "key-3")])
            let deletedAgain = try await service.send(.delete, "/users/\(id)", headers: [("Idempotency-Key", "key-3")])
            #expect(deleted.status.code == 204 && deletedAgain.status.code == 204, "a retried delete replays 204 rather than 404")
            #expect(try await service.count("outbox") == 3)
        }
    }

    @Test func anExpiredIdempotencyKeyIsFreeForANewRequest() async throws {
        try await withUserServiceRouter { service in
            let first = try await service.send(.post, "/users", headers: [("Idempotency-Key", "reused")], body: #"{"name":"Old","email":"old@example.com"}"#)
            #expect(first.status.code == 201)
            // Past the 24 h retention, and not yet removed by the purger.
            try await service.database.client.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
            let second = try await service.send(.post, "/users", headers: [("Idempotency-Key", "reused")], body: #"{"name":"New","email":"new@example.com"}"#)
            #expect(second.status.code == 201, "\(second.text)")
            #expect(second.header("Idempotent-Replayed") == nil)
            #expect(try second.json()["name"] as? String == "New")
            #expect(try await service.count("users") == 2)
            #expect(try await service.count("idempotency_keys") == 1)
        }
    }

    @Test func aProblemRaisedInsideAKeyedWriteKeepsItsStatusAndReleasesTheKey() async throws {
        try await withUserServiceRouter { service in
            let missing = UUID().uuidString
            let refused = try await service.send(.put, "/users/\(missing)", headers: [("Idempotency-Key", "k")], body: #"{"name":"A","email":"a@example.com"}"#)
            #expect(refused.status.code == 404, "\(refused.text)")
            #expect(try await service.count("idempotency_keys") == 0, "the claim rolled back with the write")
            let created = try await service.send(.post, "/users", headers: [("Idempotency-Key", "k")], body: #"{"name":"A","email":"a@example.com"}"#)
            #expect(created.status.code == 201, "the key is free: \(created.text)")
        }
    }
}
