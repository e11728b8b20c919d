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
                    for path in ["/analytics/summary", "/health", "/ready", "/metrics"] {
                        let get = try await service.http.send(.GET, path)
                        let head = try await service.http.send(.HEAD, path)
                        #expect(head.status == get.status, "HEAD \(path)")
                        #expect(head.body.isEmpty)
                        #expect(head.header("Content-Type") == get.header("Content-Type"))
                    }
                    let unknownUser = try await service.http.send(.HEAD, "/analytics/users/\(UUID().uuidString)")
                    #expect(unknownUser.status == 404)
                    #expect(unknownUser.body.isEmpty)
                    for (method, path) in [(HTTPMethod.POST, "/analytics/summary"), (.DELETE, "/analytics/users/\(UUID().uuidString)"), (.PUT, "/health")] {
                        let response = try await service.http.send(method, path, body: method == .DELETE ? nil : "{}")
                        #expect(response.status == 405, "\(method) \(path)")
                        #expect(response.header("Allow") == "GET, HEAD")
                        #expect(response.header("Content-Type") == "application/problem+json")
                    }
                    #expect(try await service.http.send(.GET, "/analytics/nope").status == 404)

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
