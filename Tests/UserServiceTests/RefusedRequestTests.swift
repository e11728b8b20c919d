import Foundation
import HTTPSupport
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
@testable import UserService

/// Requests the API refuses, through the router (no live server is needed to
/// refuse them): each answers with its status as an `application/problem+json`
/// document whose detail says what is wrong, and writes nothing.
@Suite("Refused requests: status, problem+json, nothing written", .timeLimit(.minutes(3)))
struct RefusedRequestTests {
    /// A request to refuse, with the status and a phrase of the detail it must answer with.
    typealias Refusal = (method: HTTPRequest.Method, path: String, headers: [(String, String)], body: String?, status: Int, detail: String)

    /// Sends each request on a service holding one user (`taken@example.com`, version 1, whose id `cases` is
    /// given), checks each answer, then that no user, event or version was written.
    static func expectRefused(_ cases: @escaping @Sendable (_ id: String) -> [Refusal]) async throws {
        try await withUserServiceRouter { service in
            let id = try await service.createUser(email: "taken@example.com")
            let before = (try await service.count("users"), try await service.count("outbox"))
            for item in cases(id) {
                let response = try await service.send(item.method, item.path, headers: item.headers, body: item.body)
                #expect(response.status.code == item.status, "\(item.method) \(item.path) \(item.body ?? "") → \(response.status) \(response.text)")
                #expect(response.header("Content-Type") == "application/problem+json", "\(item.method) \(item.path)")
                let problem = try response.decode(ProblemDetails.self)
                #expect(problem.status == item.status)
                #expect(!problem.title.isEmpty)
                let detail = problem.detail
                #expect(detail.contains(item.detail), "detail '\(detail)' should mention '\(item.detail)'")
                #expect(!detail.lowercased().contains("taken@example.com"), "a refusal never echoes a stored address: '\(detail)'")
                if item.status == 412 { #expect(problem.currentVersion == 1) }
            }
            #expect(try await service.count("users") == before.0, "refused requests wrote no user")
            #expect(try await service.count("outbox") == before.1, "refused requests wrote no event")
            #expect(try await service.send(.get, "/users/\(id)").header("ETag") == "\"1\"")
        }
    }

    @Test func bodiesThatAreNotAJSONObjectAre400() async throws {
        try await Self.expectRefused { _ in [
            (.post, "/users", [], #"{"name": "x", "#, 400, "not valid JSON"),
            (.post, "/users", [], "[1,2]", 400, "JSON object"),
            (.post, "/users", [], "", 400, "empty"),
        ] }
    }

    @Test func fieldsThatBreakTheRulesAre422() async throws {
        try await Self.expectRefused { id in [
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
            (.put, "/users/\(id)", [("If-Match", "\"1\"")], #"{"name":"A"}"#, 422, "email is required"),
            (.patch, "/users/\(id)", [("If-Match", "\"1\"")], #"{"nickname":"x"}"#, 422, "unknown field 'nickname'"),
            (.patch, "/users/\(id)", [("If-Match", "\"1\"")], #"{"name":null}"#, 422, "cannot be removed"),
            (.patch, "/users/\(id)", [("If-Match", "\"1\"")], #"{"email":true}"#, 422, "must be a string"),
        ] }
    }

    /// A write whose body is not declared as JSON is refused, also with no `Content-Type` at all:
    /// a cross-site HTML form can send either, and must not be able to write.
    @Test func aBodyNotDeclaredAsJSONIs415() async throws {
        try await Self.expectRefused { id in [
            (.post, "/users", [("Content-Type", "text/plain")], #"{"name":"A","email":"a@example.com"}"#, 415, "application/json"),
            (.post, "/users", [("Content-Type", "application/x-www-form-urlencoded")], "name=A&email=a%40example.com", 415, "application/json"),
            (.post, "/users", [("Content-Type", "")], #"{"name":"A","email":"a@example.com"}"#, 415, "Content-Type: application/json"),
            (.put, "/users/\(id)", [("Content-Type", "text/plain"), ("If-Match", "\"1\"")], #"{"name":"A","email":"a@example.com"}"#, 415, "application/json"),
            (.patch, "/users/\(id)", [("Content-Type", "multipart/form-data"), ("If-Match", "\"1\"")], #"{"bio":"x"}"#, 415, "merge-patch+json"),
        ] }
    }

    @Test func aWriteThatNamesNoVersionIs428() async throws {
        try await Self.expectRefused { id in [
            (.put, "/users/\(id)", [], #"{"name":"A","email":"a2@example.com"}"#, 428, "If-Match"),
            (.patch, "/users/\(id)", [("If-Match", "*")], #"{"bio":"x"}"#, 428, "If-Match"),
            (.delete, "/users/\(id)", [], nil, 428, "If-Match"),
        ] }
    }

    @Test func anEmailAddressTakenInAnotherCaseIs409() async throws {
        try await Self.expectRefused { _ in [
            (.post, "/users", [], #"{"name":"Dup","email":"TAKEN@example.com"}"#, 409, "the email address is already taken by another user"),
        ] }
    }

    @Test func unknownUsersAndIdsThatAreNotUUIDsAre404() async throws {
        try await Self.expectRefused { _ in [
            (.get, "/users/\(UUID().uuidString)", [], nil, 404, "no user"),
            (.get, "/users/not-a-uuid", [], nil, 404, "UUIDs"),
            (.get, "/users/'%20OR%201=1--", [], nil, 404, "UUIDs"),
            (.put, "/users/\(UUID().uuidString)", [("If-Match", "\"1\"")], #"{"name":"A","email":"a@example.com"}"#, 404, "no user"),
            (.delete, "/users/\(UUID().uuidString)", [("If-Match", "\"1\"")], nil, 404, "no user"),
        ] }
    }

    /// An `If-Match` naming another version, or one that cannot be read, never matches: 412 with the current version.
    @Test func anIfMatchThatNamesAnotherVersionIs412() async throws {
        try await Self.expectRefused { id in [
            (.put, "/users/\(id)", [("If-Match", "\"7\"")], #"{"name":"A","email":"a2@example.com"}"#, 412, "version 1"),
            (.patch, "/users/\(id)", [("If-Match", "\"2\"")], #"{"bio":"x"}"#, 412, "version 1"),
            (.patch, "/users/\(id)", [("If-Match", "garbage")], #"{"bio":"x"}"#, 412, "version 1"),
            (.delete, "/users/\(id)", [("If-Match", "\"5\"")], nil, 412, "version 1"),
        ] }
    }

    @Test func oversizedBodyIsRefusedWith413() async throws {
        try await withUserServiceRouter { service in
            let huge = #"{"name":"A","email":"a@example.com","bio":""# + String(repeating: "x", count: 70 * 1024) + #""}"#
            let response = try await service.send(.post, "/users", body: huge)
            #expect(response.status.code == 413)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(try await service.count("users") == 0)
        }
    }
}
