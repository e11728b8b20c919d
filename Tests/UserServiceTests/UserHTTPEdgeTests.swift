import Foundation
import HTTPSupport
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
@testable import UserService

/// Through the router: what the method and the raw body text decide, before any profile rule.
@Suite("user-service HTTP edge: 405, duplicate names, UTF-8", .timeLimit(.minutes(3)))
struct UserHTTPEdgeTests {
    @Test func aKnownPathWithAnotherMethodIs405WithAllowAndWritesNothing() async throws {
        try await withUserServiceRouter { service in
            let id = try await service.createUser(email: "ada@example.com")
            let profile = #"{"name":"Ada","email":"ada@example.com"}"#
            let cases: [(HTTPRequest.Method, String, String?, String)] = [
                (.get, "/users", nil, "POST"),
                (.head, "/users", nil, "POST"),
                (.put, "/users", profile, "POST"),
                (.patch, "/users", profile, "POST"),
                (.delete, "/users", nil, "POST"),
                (.post, "/users/\(id)", profile, "GET, HEAD, PUT, PATCH, DELETE"),
                (.options, "/users/\(id)", nil, "GET, HEAD, PUT, PATCH, DELETE"),
                (.post, "/health", "{}", "GET, HEAD"),
                (.delete, "/ready", nil, "GET, HEAD"),
            ]
            for (method, path, body, allow) in cases {
                let response = try await service.send(method, path, body: body)
                #expect(response.status.code == 405, "\(method) \(path) → \(response.status) \(response.text)")
                #expect(response.header("Allow") == allow, "\(method) \(path)")
                #expect(response.header("Content-Type") == "application/problem+json")
                if method != .head {
                    #expect(try response.decode(ProblemDetails.self).status == 405)
                }
            }
            for (method, path) in [(HTTPRequest.Method.get, "/nope"), (.post, "/users/\(id)/more"), (.delete, "/user")] {
                let response = try await service.send(method, path)
                #expect(response.status.code == 404, "\(method) \(path)")
                #expect(response.header("Allow") == nil)
            }
            #expect(try await service.count("users") == 1, "refused requests wrote no user")
            #expect(try await service.count("outbox") == 1, "refused requests wrote no event")
        }
    }

    @Test func duplicateNamesAndBodiesThatAreNotUTF8Are400AndWriteNothing() async throws {
        try await withUserServiceRouter { service in
            let id = try await service.createUser(email: "first@example.com")
            let profile = #"{"name":"Ada","email":"ada@example.com"}"#
            func utf16LE(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
            func utf16BE(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
            let cases: [(method: HTTPRequest.Method, path: String, bytes: [UInt8], detail: String)] = [
                (.post, "/users", Array(#"{"name":"Ada","email":"ada@example.com","name":"Eve"}"#.utf8), "'name' occurs twice"),
                (.post, "/users", Array(#"{"name":"Ada","email":"ada@example.com","em\u0061il":"eve@example.com"}"#.utf8), "'email' occurs twice"),
                (.put, "/users/\(id)", Array(#"{"name":"Ada","email":"ada@example.com","bio":"a","bio":"b"}"#.utf8), "'bio' occurs twice"),
                (.patch, "/users/\(id)", Array(#"{"bio":"a","bio":null}"#.utf8), "'bio' occurs twice"),
                (.post, "/users", [0xFF, 0xFE] + utf16LE(profile), "not UTF-8"),
                (.post, "/users", utf16LE(profile), "not UTF-8"),
                (.put, "/users/\(id)", [0xFE, 0xFF] + utf16BE(profile), "not UTF-8"),
                (.patch, "/users/\(id)", utf16BE(#"{"bio":"x"}"#), "not UTF-8"),
                (.post, "/users", profile.unicodeScalars.flatMap { [UInt8($0.value), 0, 0, 0] }, "not UTF-8"),
                (.post, "/users", Array(#"{"name":"Zo"#.utf8) + [0xEB] + Array(#"","email":"zoe@example.com"}"#.utf8), "not UTF-8"),
                (.post, "/users", [0xEF, 0xBB, 0xBF] + Array(profile.utf8), "byte order mark"),
            ]
            for item in cases {
                let response = try await service.send(item.method, item.path, headers: item.method == .post ? [] : [("If-Match", "\"1\"")], bytes: item.bytes)
                #expect(response.status.code == 400, "\(item.method) \(item.path) \(item.detail) → \(response.status) \(response.text)")
                #expect(response.header("Content-Type") == "application/problem+json")
                let detail = try response.decode(ProblemDetails.self).detail
                #expect(detail.contains(item.detail), "'\(detail)' should mention '\(item.detail)'")
            }
            #expect(try await service.count("users") == 1, "refused requests wrote no user")
            #expect(try await service.count("outbox") == 1, "refused requests wrote no event")
            #expect(try await service.count("idempotency_keys") == 0)
            let user = try await service.send(.get, "/users/\(id)")
            #expect(user.header("ETag") == "\"1\"")

            // Names that differ only in case are two names (and "Name" is unknown: 422, not 400).
            let cased = try await service.send(.post, "/users", body: #"{"name":"Ada","Name":"Eve","email":"ada@example.com"}"#)
            #expect(cased.status.code == 422)
        }
    }
}
