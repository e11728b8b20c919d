import Foundation
import NIOHTTP1
import Testing
import TestSupport
@testable import UserService

@Suite("user-service HTTP edge: HEAD, 405, duplicate names, UTF-8", .timeLimit(.minutes(3)))
struct UserHTTPEdgeTests {
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
            for path in ["/health", "/ready", "/metrics"] {
                let response = try await service.http.send(.HEAD, path)
                #expect(response.status == 200, "HEAD \(path)")
                #expect(response.body.isEmpty)
            }
        }
    }

    @Test func aKnownPathWithAnotherMethodIs405WithAllowAndWritesNothing() async throws {
        try await withUserService(role: .apiOnly) { service in
            let id = try #require(try await service.createUser()["id"] as? String)
            let profile = #"{"name":"Ada","email":"ada@example.com"}"#
            let cases: [(HTTPMethod, String, String?, String)] = [
                (.GET, "/users", nil, "POST"),
                (.HEAD, "/users", nil, "POST"),
                (.PUT, "/users", profile, "POST"),
                (.PATCH, "/users", profile, "POST"),
                (.DELETE, "/users", nil, "POST"),
                (.POST, "/users/\(id)", profile, "GET, HEAD, PUT, PATCH, DELETE"),
                (.OPTIONS, "/users/\(id)", nil, "GET, HEAD, PUT, PATCH, DELETE"),
                (.POST, "/health", "{}", "GET, HEAD"),
                (.DELETE, "/metrics", nil, "GET, HEAD"),
            ]
            for (method, path, body, allow) in cases {
                let response = try await service.http.send(method, path, body: body)
                #expect(response.status == 405, "\(method) \(path) → \(response.status) \(response.text)")
                #expect(response.header("Allow") == allow, "\(method) \(path)")
                #expect(response.header("Content-Type") == "application/problem+json")
                if method != .HEAD {
                    #expect(try response.json()["status"] as? Int == 405)
                }
            }
            for (method, path) in [(HTTPMethod.GET, "/nope"), (.POST, "/users/\(id)/more"), (.DELETE, "/user")] {
                let response = try await service.http.send(method, path)
                #expect(response.status == 404, "\(method) \(path)")
                #expect(response.header("Allow") == nil)
            }
            #expect(try await service.count("users") == 1, "refused requests wrote no user")
            #expect(try await service.count("outbox") == 1, "refused requests wrote no event")
        }
    }

    @Test func duplicateNamesAndBodiesThatAreNotUTF8Are400AndWriteNothing() async throws {
        try await withUserService(role: .apiOnly) { service in
            let id = try #require(try await service.createUser(email: "first@example.com")["id"] as? String)
            let profile = #"{"name":"Ada","email":"ada@example.com"}"#
            func utf16LE(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
            func utf16BE(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
            let cases: [(method: HTTPMethod, path: String, bytes: [UInt8], detail: String)] = [
                (.POST, "/users", Array(#"{"name":"Ada","email":"ada@example.com","name":"Eve"}"#.utf8), "'name' occurs twice"),
                (.POST, "/users", Array(#"{"name":"Ada","email":"ada@example.com","em\u0061il":"eve@example.com"}"#.utf8), "'email' occurs twice"),
                (.PUT, "/users/\(id)", Array(#"{"name":"Ada","email":"ada@example.com","bio":"a","bio":"b"}"#.utf8), "'bio' occurs twice"),
                (.PATCH, "/users/\(id)", Array(#"{"bio":"a","bio":null}"#.utf8), "'bio' occurs twice"),
                (.POST, "/users", [0xFF, 0xFE] + utf16LE(profile), "not UTF-8"),
                (.POST, "/users", utf16LE(profile), "not UTF-8"),
                (.PUT, "/users/\(id)", [0xFE, 0xFF] + utf16BE(profile), "not UTF-8"),
                (.PATCH, "/users/\(id)", utf16BE(#"{"bio":"x"}"#), "not UTF-8"),
                (.POST, "/users", profile.unicodeScalars.flatMap { [UInt8($0.value), 0, 0, 0] }, "not UTF-8"),
                (.POST, "/users", Array(#"{"name":"Zo"#.utf8) + [0xEB] + Array(#"","email":"zoe@example.com"}"#.utf8), "not UTF-8"),
                (.POST, "/users", [0xEF, 0xBB, 0xBF] + Array(profile.utf8), "byte order mark"),
            ]
            for item in cases {
                let response = try await service.http.send(item.method, item.path, bytes: item.bytes)
                #expect(response.status == 400, "\(item.method) \(item.path) \(item.detail) → \(response.status) \(response.text)")
                #expect(response.header("Content-Type") == "application/problem+json")
                let detail = try response.json()["detail"] as? String ?? ""
                #expect(detail.contains(item.detail), "'\(detail)' should mention '\(item.detail)'")
            }
            #expect(try await service.count("users") == 1, "refused requests wrote no user")
            #expect(try await service.count("outbox") == 1, "refused requests wrote no event")
            #expect(try await service.count("idempotency_keys") == 0)
            let user = try await service.http.send(.GET, "/users/\(id)")
            #expect(user.header("ETag") == "\"1\"")

            // Names that differ only in case are two names (and "Name" is unknown: 422, not 400).
            let cased = try await service.http.send(.POST, "/users", body: #"{"name":"Ada","Name":"Eve","email":"ada@example.com"}"#)
            #expect(cased.status == 422)
        }
    }
}
