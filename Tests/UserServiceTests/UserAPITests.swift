import Foundation
import Events
import HTTPSupport
import NIOHTTP1
import PostgresNIO
import Testing
import TestSupport
@testable import UserService

/// What needs a live server: real HTTP on a socket (HEAD's Content-Length, request ids on the
/// wire, the operational endpoints) and requests that run concurrently.
@Suite("user-service HTTP API over a live server", .timeLimit(.minutes(3)))
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

            let patched = try await service.http.send(.PATCH, "/users/\(id)", headers: [("Content-Type", "application/merge-patch+json"), ("If-Match", "\"2\"")], body: #"{"bio":null}"#)
            #expect(patched.status == 200)
            let patchedUser = try patched.json()
            #expect(patchedUser["version"] as? Int == 3)
            #expect(patchedUser["bio"] as? String == "")
            #expect(patchedUser["name"] as? String == "Ada L.")

            let unchanged = try await service.http.send(.PATCH, "/users/\(id)", headers: [("If-Match", "\"3\"")], body: #"{"name":"Ada L."}"#)
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

    @Test func headAnswersLikeGetWithoutABody() async throws {
        try await withUserService(role: .apiOnly) { service in
            let id = try #require(try await service.createUser()["id"] as? String)
            let get = try await service.http.send(.GET, "/users/\(id)")
            let head = try await service.http.send(.HEAD, "/users/\(id)")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("ETag") == get.header("ETag"))
            #expect(head.header("Content-Type") == get.header("Content-Type"))
            #expect(head.header("Content-Length") == String(get.body.count))

            let missing = try await service.http.send(.HEAD, "/users/\(UUID().uuidString)")
            #expect(missing.status == 404)
            #expect(missing.body.isEmpty)
            #expect(missing.header("Content-Type") == "application/problem+json")
            for (client, path) in [(service.http, "/health"), (service.http, "/ready"), (service.management, "/metrics")] {
                let response = try await client.send(.HEAD, path)
                #expect(response.status == 200, "HEAD \(path)")
                #expect(response.body.isEmpty)
            }
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

    /// A lost update is impossible by construction: a write that names no version (no
    /// `If-Match`, or `*`) is refused with 428 and writes nothing.
    @Test func writesWithoutAVersionInIfMatchAre428AndWriteNothing() async throws {
        try await withUserService(role: .apiOnly) { service in
            let id = try #require(try await service.createUser()["id"] as? String)
            let profile = #"{"name":"First","email":"first@example.com"}"#
            for ifMatch in [nil, "*"] {
                let headers = ifMatch.map { [("If-Match", $0)] } ?? []
                for (method, body) in [(HTTPMethod.PUT, profile), (.PATCH, #"{"bio":"x"}"#), (.DELETE, nil)] {
                    let response = try await service.http.send(method, "/users/\(id)", headers: headers, body: body)
                    #expect(response.status == 428, "\(method) with If-Match \(ifMatch ?? "absent")")
                    #expect(response.header("Content-Type") == "application/problem+json")
                    #expect(try response.decode(ProblemDetails.self).detail == "send If-Match: \"<version>\" with the version you read (its ETag): a write without it could overwrite a change you never saw")
                }
            }
            #expect(try await service.count("outbox") == 1, "only the create")
            #expect(try await service.http.send(.GET, "/users/\(id)").header("ETag") == "\"1\"")
        }
    }

    /// Each write is one statement that locks the row and checks `If-Match` under the lock.
    /// Writers that retry on 412 with the version its answer names (as a careful client does)
    /// each get their own version in turn; each event carries exactly the profile its PATCH
    /// answered with, and the outbox holds the events in version order with times that never
    /// go back.
    @Test func concurrentPatchesOfOneUserEachGetTheirOwnVersionAndEventInOrder() async throws {
        try await withUserService(role: .apiOnly) { service in
            let id = try #require(try await service.createUser()["id"] as? String)
            let writers = 16
            let responses = try await withThrowingTaskGroup(of: HTTPTestResponse.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var version = 1
                        while true {
                            let response = try await service.http.send(
                                .PATCH, "/users/\(id)", headers: [("If-Match", "\"\(version)\"")], body: #"{"bio":"writer \#(writer)"}"#
                            )
                            guard response.status == 412 else { return response }
                            version = try response.decode(ProblemDetails.self).currentVersion.map { Int($0) } ?? version + 1
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.allSatisfy { $0.status == 200 }, "\(responses.map(\.status))")
            var answered: [Int: String] = [:]
            for response in responses {
                let json = try response.json()
                answered[json["version"] as? Int ?? 0] = json["bio"] as? String
                #expect(response.header("ETag") == "\"\(json["version"] as? Int ?? 0)\"")
            }
            #expect(answered.keys.sorted() == Array(2...(writers + 1)), "each PATCH its own version")

            let rows = try await service.database.client.query(
                "SELECT payload, created_at FROM outbox WHERE aggregate_id = \(UUID(uuidString: id)!) ORDER BY id"
            ).decode((String, Date).self)
            var versions: [Int] = []
            var times: [Date] = []
            for try await (payload, createdAt) in rows {
                let read = try EventContract.read(key: Array(id.utf8), value: Array(payload.utf8))
                let data = try #require(read.event.profileUpdated?.data, "only profile updates: \(read.event)")
                let version = Int(data.version)
                versions.append(version)
                times.append(createdAt)
                #expect(read.time == createdAt, "the event's time is the row's created_at")
                if version > 1 {
                    #expect(data.bio == answered[version], "version \(version)'s event carries what its PATCH answered")
                    #expect(data.changedFields == [.bio])
                }
            }
            #expect(versions == Array(1...(writers + 1)), "the outbox holds the events in version order")
            #expect(times == times.sorted(), "event times never go back")
            let current = try await service.http.send(.GET, "/users/\(id)").json()
            #expect(current["version"] as? Int == writers + 1)
            #expect(current["bio"] as? String == answered[writers + 1])
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

    /// An answer stored for an `Idempotency-Key` holds the user's profile. Once the user's delete
    /// is published, a retry with the key gets 410 without it (any request with the key: the
    /// digest of the first one goes too) and still writes nothing; the delete's own 204 stays.
    @Test func anIdempotentAnswerAboutADeletedUserBecomesA410WithoutItsProfile() async throws {
        try await withUserService { service in
            let create = #"{"name":"Ada Gone","email":"ada-gone@example.com","bio":"kept while she exists"}"#
            let created = try await service.http.send(.POST, "/users", headers: [("Idempotency-Key", "create-1")], body: create)
            #expect(created.status == 201)
            let id = try #require(try created.json()["id"] as? String)
            let patch = #"{"bio":"changed"}"#
            let patchHeaders = [("Idempotency-Key", "patch-1"), ("If-Match", "\"1\"")]
            #expect(try await service.http.send(.PATCH, "/users/\(id)", headers: patchHeaders, body: patch).status == 200)
            let replayed = try await service.http.send(.POST, "/users", headers: [("Idempotency-Key", "create-1")], body: create)
            #expect(replayed.status == 201 && replayed.header("Idempotent-Replayed") == "true")
            #expect(try replayed.json()["email"] as? String == "ada-gone@example.com", "while the user exists, its answer is replayed")

            let deleteHeaders = [("Idempotency-Key", "delete-1"), ("If-Match", "\"2\"")]
            #expect(try await service.http.send(.DELETE, "/users/\(id)", headers: deleteHeaders).status == 204)
            try await eventually("the delete is published") {
                try await service.count("outbox", where: "event_type = 'UserDeleted' AND published_at IS NOT NULL") == 1
            }
            #expect(try await service.count("idempotency_keys", where: "strpos(body, 'Ada Gone') > 0 OR strpos(body, 'ada-gone@') > 0") == 0)
            let retries = [
                try await service.http.send(.POST, "/users", headers: [("Idempotency-Key", "create-1")], body: create),
                try await service.http.send(.PATCH, "/users/\(id)", headers: patchHeaders, body: patch),
                try await service.http.send(.POST, "/users", headers: [("Idempotency-Key", "create-1")], body: #"{"name":"Other","email":"other@example.com"}"#),
            ]
            for retry in retries {
                #expect(retry.status == 410, "\(retry.text)")
                #expect(retry.header("Idempotent-Replayed") == "true")
                #expect(retry.header("Content-Type") == "application/problem+json")
                #expect(!retry.text.contains("Ada") && !retry.text.contains("ada-gone"))
            }
            #expect(try await service.http.send(.DELETE, "/users/\(id)", headers: deleteHeaders).status == 204, "the delete's own answer stays")
            #expect(try await service.count("users") == 0, "no retry wrote anything")
            #expect(try await service.count("outbox") == 3)
        }
    }

    @Test func operationalEndpointsAnswer() async throws {
        try await withUserService(role: .apiOnly) { service in
            #expect(try await service.http.send(.GET, "/health").status == 200)
            let ready = try await service.http.send(.GET, "/ready")
            #expect(ready.status == 200, "\(ready.text)")
            let metrics = try await service.management.send(.GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(try await service.management.send(.GET, "/ready").status == 200, "the probes answer on the management listener too")
            for path in ["/metrics", "/consistency/digest", "/consistency/buckets/0"] {
                #expect(try await service.http.send(.GET, path).status == 404, "\(path) is not on the public port")
            }
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            let unknown = try await service.http.send(.GET, "/nope")
            #expect(unknown.status == 404)
            #expect(unknown.header("Content-Type") == "application/problem+json")
        }
    }
}
