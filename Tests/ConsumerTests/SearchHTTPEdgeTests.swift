import Consumer
import Foundation
import NIOHTTP1
import Testing
import TestSupport
@testable import SearchService

@Suite("search-service HTTP edge: HEAD and 405", .timeLimit(.minutes(3)))
struct SearchHTTPEdgeTests {
    @Test func headWorksOnEveryGetRouteAndOtherMethodsAre405() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "search") { database in
                try await withConsumerService(SearchService.self, world: world, database: database) { service in
                    for path in ["/search?q=ada", "/health", "/ready", "/metrics"] {
                        let get = try await service.http.send(.GET, path)
                        let head = try await service.http.send(.HEAD, path)
                        #expect(head.status == get.status, "HEAD \(path)")
                        #expect(head.body.isEmpty)
                        #expect(head.header("Content-Type") == get.header("Content-Type"))
                    }
                    let missing = try await service.http.send(.HEAD, "/search/users/\(UUID().uuidString)")
                    #expect(missing.status == 404)
                    #expect(missing.body.isEmpty)
                    for (method, path) in [(HTTPMethod.POST, "/search"), (.DELETE, "/search/users/\(UUID().uuidString)"), (.PATCH, "/ready")] {
                        let response = try await service.http.send(method, path, body: method == .DELETE ? nil : "{}")
                        #expect(response.status == 405, "\(method) \(path)")
                        #expect(response.header("Allow") == "GET, HEAD")
                        #expect(response.header("Content-Type") == "application/problem+json")
                    }
                    #expect(try await service.http.send(.GET, "/search/nope/deeper").status == 404)
                }
            }
        }
    }
}
