import Consumer
import ConsumerService
import Foundation
import HTTPSupport
import NIOHTTP1
import Testing
import TestSupport
@testable import AnalyticsService

@Suite("analytics-service HTTP edge: HEAD, 405, time-outs", .timeLimit(.minutes(3)))
struct AnalyticsHTTPEdgeTests {
    @Test func headWorksOnEveryGetRouteOtherMethodsAre405AndIdleConnectionsClose() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                try await withConsumerService(AnalyticsService.self, world: world, database: database, configure: {
                    $0.http.timeouts = HTTPTimeouts(idle: .seconds(2), requestHead: .milliseconds(500))
                }) { service in
                    try await HTTPEdgeExpectations.check(
                        service, getPaths: ["/analytics/summary", "/health", "/ready"],
                        missingPath: "/analytics/users/\(UUID().uuidString)",
                        otherMethods: [(.POST, "/analytics/summary"), (.DELETE, "/analytics/users/\(UUID().uuidString)"), (.PUT, "/health")],
                        unknownPath: "/analytics/nope"
                    )

                    let port = try #require(URLComponents(string: service.http.baseURL)?.port)
                    let idle = try RawTCPConnection(port: port)
                    #expect(try await idle.readUntilClosed(timeout: .seconds(8)).closed, "an idle connection is closed")
                    let slow = try RawTCPConnection(port: port)
                    try slow.send("GET /health HTTP/1.1\r\nHost: test\r\n")
                    let answer = try await slow.readUntilClosed(timeout: .seconds(8))
                    #expect(answer.closed)
                    #expect(answer.text.hasPrefix("HTTP/1.1 408"), "\(answer.text)")
                }
            }
        }
    }
}
