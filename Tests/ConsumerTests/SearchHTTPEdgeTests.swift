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
                    try await HTTPEdgeExpectations.check(
                        service, getPaths: ["/search?q=ada", "/health", "/ready"],
                        missingPath: "/search/users/\(UUID().uuidString)",
                        otherMethods: [(.POST, "/search"), (.DELETE, "/search/users/\(UUID().uuidString)"), (.PATCH, "/ready")],
                        unknownPath: "/search/nope/deeper"
                    )
                }
            }
        }
    }
}
