import HTTPSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Observability
import Testing
import TestSupport

@Suite("HTTP metrics: by method, route pattern and the status the client gets")
struct HTTPMetricsTests {
    @Test func requestsAreCountedByRoutePatternAndStatusWithBoundedLabels() async throws {
        let telemetry = Telemetry()
        try await EdgeApplication.make(telemetry: telemetry).test(.router) { client in
            #expect(try await client.execute(uri: "/things/42", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/things/7", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/things/42", method: .delete).status == .methodNotAllowed)
            let tooLarge = try await client.execute(
                uri: "/echo", method: .post, headers: [.contentLength: "70000"], body: ByteBuffer(repeating: 0x20, count: 70_000)
            )
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try await client.execute(uri: "/nope/1", method: HTTPRequest.Method("BREW")!).status == .notFound)
            #expect(try await client.execute(uri: "/nope/2", method: .get).status == .notFound)
        }
        let text = telemetry.render()
        let expected: [(String, String, String, Double)] = [
            ("GET", "/things/{id}", "200", 2),
            ("DELETE", "/things/{id}", "405", 1),
            ("POST", "/echo", "413", 1),
            ("_OTHER", "NotFound", "404", 1),
            ("GET", "NotFound", "404", 1),
        ]
        for (method, route, status, count) in expected {
            let series = #"http_server_requests_total{method="\#(method)",route="\#(route)",status="\#(status)"}"#
            #expect(MetricText.value(series, in: text) == count, "\(series)")
            let histogram = #"http_server_request_duration_seconds_count{method="\#(method)",route="\#(route)",status="\#(status)"}"#
            #expect(MetricText.value(histogram, in: text) == count, "\(histogram)")
        }
        #expect(!text.contains("/things/42") && !text.contains("BREW"), "no concrete id or made-up method becomes a label value")
        #expect(text.contains("# HELP http_server_requests_total "))
        #expect(text.contains("# HELP http_server_request_duration_seconds "))
    }
}
