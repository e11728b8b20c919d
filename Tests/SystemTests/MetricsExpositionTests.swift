import Consumer
import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// What the three services expose on `/metrics`, checked by Prometheus' own linter:
/// `promtool check metrics` (Debian's `prometheus` package) must accept each
/// exposition with no warning at all — help text on every metric, `_total` on
/// counters, base units — once requests and events have made the labelled series.
@Suite("metrics: every service's /metrics passes promtool check metrics", .timeLimit(.minutes(3)))
struct MetricsExpositionTests {
    static let promtool = ExternalTool("promtool", package: "prometheus")

    @Test
    func everyServiceExposesMetricsPromtoolAcceptsWithoutWarnings() async throws {
        try await RunningSystem.run(try SystemWorld(), consumers: { $0.lagLogInterval = .milliseconds(300) }) { system in
            try await Self.checkWrites(system.userAPI, management: system.userManagement)
            try await Self.checkConsumers(search: system.searchAPI, analytics: system.analyticsAPI, searchManagement: system.searchManagement, analyticsManagement: system.analyticsManagement)
            try await eventually("the anti-entropy check ran") {
                try await system.userManagement.send(.GET, "/metrics").text.contains("anti_entropy_runs_total{target=\"search\"")
            }
            for (name, client) in [("user-service", system.userManagement), ("search-service", system.searchManagement), ("analytics-service", system.analyticsManagement)] {
                #expect(try await Self.publicClient(name, system).send(.GET, "/metrics").status == 404, "\(name): /metrics is not on the public port")
                let exposition = try await client.send(.GET, "/metrics").text
                let result = try Self.promtool.run(["check", "metrics"], input: Data(exposition.utf8))
                #expect(result.status == 0, "\(name): promtool check metrics exited \(result.status): \(result.output)")
                #expect(result.output.isEmpty, "\(name): promtool check metrics warned: \(result.output)")
            }
        }
    }

    /// One write of every outcome, counted in `user_writes_total` and, by route and status,
    /// in `http_server_requests_total`.
    static func checkWrites(_ api: HTTPTestClient, management: HTTPTestClient) async throws {
        let ada = try await api.send(.POST, "/users", body: #"{"name":"Ada","email":"ada@example.com"}"#)
        #expect(ada.status == 201)
        let id = try #require(try ada.json()["id"] as? String)
        #expect(try await api.send(.POST, "/users", body: #"{"name":"Ada Two","email":"ada@example.com"}"#).status == 409)
        #expect(try await api.send(.POST, "/users", body: #"{"name":"","email":"not an address"}"#).status == 422)
        #expect(try await api.write(.PATCH, "/users/\(id)", body: #"{"bio":"first"}"#).status == 200)
        #expect(try await api.write(.PATCH, "/users/\(id)", body: #"{"bio":"first"}"#).status == 200)
        #expect(try await api.send(.PUT, "/users/\(id)", headers: [("If-Match", "\"1\"")], body: #"{"name":"Ada","email":"ada@example.com"}"#).status == 412)
        let grace = #"{"name":"Grace","email":"grace@example.com"}"#
        let created = try await api.send(.POST, "/users", headers: [("Idempotency-Key", "grace-1")], body: grace)
        let replayed = try await api.send(.POST, "/users", headers: [("Idempotency-Key", "grace-1")], body: grace)
        #expect(created.status == 201 && replayed.status == 201 && replayed.header("Idempotent-Replayed") == "true")
        let graceID = try #require(try created.json()["id"] as? String)
        #expect(try await api.write(.DELETE, "/users/\(UUID())").status == 404)
        #expect(try await api.write(.DELETE, "/users/\(graceID)").status == 204)
        #expect(try await api.send(.GET, "/no/such/thing").status == 404)

        let metrics = try await management.send(.GET, "/metrics").text
        let writes: [(String, String, Double)] = [
            ("create", "created", 2), ("create", "conflict", 1), ("create", "invalid", 1), ("create", "idempotent_replay", 1),
            ("update", "updated", 1), ("update", "unchanged", 1), ("update", "version_conflict", 1), ("update", "not_found", 0),
            ("delete", "deleted", 1), ("delete", "not_found", 1),
        ]
        for (operation, outcome, count) in writes {
            let series = #"user_writes_total{operation="\#(operation)",outcome="\#(outcome)"}"#
            #expect(MetricText.value(series, in: metrics) == count, "\(series)")
        }
        let requests: [(String, String, String, Double)] = [
            ("POST", "/users", "201", 3), ("POST", "/users", "409", 1), ("POST", "/users", "422", 1),
            ("PUT", "/users/{id}", "412", 1), ("PATCH", "/users/{id}", "200", 2), ("DELETE", "/users/{id}", "404", 1),
            ("GET", "NotFound", "404", 1),
        ]
        for (method, route, status, count) in requests {
            let series = #"http_server_requests_total{method="\#(method)",route="\#(route)",status="\#(status)"}"#
            #expect(MetricText.value(series, in: metrics) == count, "\(series)")
        }
        #expect(metrics.contains(#"http_server_request_duration_seconds_bucket{method="PUT",route="/users/{id}",status="412",le="+Inf"} 1"#))
    }

    static func publicClient(_ name: String, _ system: RunningSystem) -> HTTPTestClient {
        switch name {
        case "user-service": system.userAPI
        case "search-service": system.searchAPI
        default: system.analyticsAPI
        }
    }

    /// Both consumers applied the four events (heartbeats not counted) and say OK, with every state present.
    static func checkConsumers(search: HTTPTestClient, analytics: HTTPTestClient, searchManagement: HTTPTestClient, analyticsManagement: HTTPTestClient) async throws {
        for consumer in [searchManagement, analyticsManagement] {
            // The exposition that says OK is the one checked: heartbeats keep coming, so a later
            // read may follow a lag line written while one was in flight (LAGGING).
            let metrics = try await eventuallyValue("the four events applied and the lag line OK", timeout: .seconds(30)) { () -> String? in
                let metrics = try await consumer.send(.GET, "/metrics").text
                let done = MetricText.value(#"consumer_events_total{outcome="applied"}"#, in: metrics) == 4
                    && MetricText.state("consumer_status", label: "status", in: metrics) == LagStatus.ok.rawValue
                return done ? metrics : nil
            }
            for status in LagStatus.allCases {
                #expect(MetricText.value(#"consumer_status{status="\#(status.rawValue)"}"#, in: metrics) == (status == .ok ? 1 : 0))
            }
            #expect(MetricText.value(#"consumer_events_total{outcome="duplicate"}"#, in: metrics) == 0)
            for errorClass in ["permanent", "exhausted"] {
                #expect(MetricText.value(#"consumer_events_total{outcome="dead_lettered",class="\#(errorClass)"}"#, in: metrics) == 0)
            }
        }
        #expect(try await search.send(.GET, "/search?q=ada").status == 200)
        #expect(try await search.send(.GET, "/search/users/\(UUID())").status == 404)
        #expect(try await analytics.send(.GET, "/analytics/summary").status == 200)
    }
}
