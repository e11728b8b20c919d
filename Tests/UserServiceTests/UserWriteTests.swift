import Events
import Foundation
import HTTPSupport
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport
@testable import UserService

/// Through the router: what a write stores, the event it emits, its transaction and its `Idempotency-Key`.
@Suite("user-service writes: storage, event, transaction, idempotency", .timeLimit(.minutes(3)))
struct UserWriteTests {
    /// The write statements fill in `time` and `data` in SQL; the keys come from the contract's
    /// `CodingKeys`. Each event is read back through the contract (`EventContract.decode`) and
    /// its `data` must have exactly the contract's keys: a key renamed on one side only fails here.
    @Test func eventCarriesTheDocumentedCloudEvent() async throws {
        try await withUserServiceRouter { service in
            let created = try await service.send(.post, "/users", headers: [("X-Request-ID", "trace-42")], body: #"{"name":"Grace","email":"grace@example.com"}"#)
            let id = try #require(try created.json()["id"] as? String)
            _ = try await service.send(.patch, "/users/\(id)", headers: [("If-Match", "\"1\"")], body: #"{"name":"Grace H."}"#)
            _ = try await service.send(.delete, "/users/\(id)", headers: [("If-Match", "\"2\"")])
            let rows = try await service.database.client.query("SELECT aggregate_id, payload FROM outbox ORDER BY id").decode((UUID, String).self)
            var events: [ContractEvent] = []
            var dataKeys: [Set<String>] = []
            for try await (user, payload) in rows {
                events.append(try EventContract.decode(key: Array(user.uuidString.lowercased().utf8), value: Array(payload.utf8)))
                let object = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
                let envelopeKeys = Set(CloudEvent<UserDeletedData>.CodingKeys.allCases.map(\.stringValue))
                #expect(Set(object.keys).isSubset(of: envelopeKeys), "envelope keys \(object.keys.sorted()) beyond the contract's")
                dataKeys.append(Set((object["data"] as? [String: Any] ?? [:]).keys))
            }
            try #require(events.count == 3)
            let profileKeys = Set(UserProfileUpdatedData.CodingKeys.allCases.map(\.stringValue))
            #expect(dataKeys == [profileKeys, profileKeys, Set(UserDeletedData.CodingKeys.allCases.map(\.stringValue))])

            guard case .profileUpdated(let first) = events[0], case .profileUpdated(let second) = events[1], case .deleted(let third) = events[2] else {
                Issue.record("expected UserProfileUpdated, UserProfileUpdated, UserDeleted: \(events)")
                return
            }
            #expect(first.source == EventContract.source)
            #expect(first.subject == id)
            #expect(first.datacontenttype == "application/json")
            #expect(first.dataschema == EventType.userProfileUpdated.dataschema)
            #expect(first.correlationid == "trace-42")
            #expect(first.data == UserProfileUpdatedData(userId: id, version: 1, name: "Grace", email: "grace@example.com", bio: "", changedFields: [.name, .email, .bio]))
            #expect(second.data.version == 2)
            #expect(second.data.changedFields == [.name])
            #expect(second.correlationid != nil, "a generated request id is carried too")
            #expect(third.data == UserDeletedData(userId: id, version: 3))
            #expect(third.dataschema == EventType.userDeleted.dataschema)
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
            #expect(try !different.decode(ProblemDetails.self).detail.isEmpty)
            #expect(try await service.count("users") == 1)

            let id = try #require(try first.json()["id"] as? String)
            let patch = #"{"bio":"once"}"#
            let patched = try await service.send(.patch, "/users/\(id)", headers: [("Idempotency-Key", "key-2"), ("If-Match", "\"1\"")], body: patch)
            let patchedAgain = try await service.send(.patch, "/users/\(id)", headers: [("Idempotency-Key", "key-2"), ("If-Match", "\"1\"")], body: patch)
            #expect(patched.status.code == 200 && patchedAgain.status.code == 200)
            #expect(patchedAgain.header("Idempotent-Replayed") == "true")
            #expect(try patchedAgain.json()["version"] as? Int == 2)
            let deleted = try await service.send(.delete, "/users/\(id)", headers: [("Idempotency-Key", "key-3"), ("If-Match", "\"2\"")])
            let deletedAgain = try await service.send(.delete, "/users/\(id)", headers: [("Idempotency-Key", "key-3"), ("If-Match", "\"2\"")])
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
            let refused = try await service.send(.put, "/users/\(missing)", headers: [("Idempotency-Key", "k"), ("If-Match", "\"1\"")], body: #"{"name":"A","email":"a@example.com"}"#)
            #expect(refused.status.code == 404, "\(refused.text)")
            #expect(try await service.count("idempotency_keys") == 0, "the claim rolled back with the write")
            let created = try await service.send(.post, "/users", headers: [("Idempotency-Key", "k")], body: #"{"name":"A","email":"a@example.com"}"#)
            #expect(created.status.code == 201, "the key is free: \(created.text)")
        }
    }
}
