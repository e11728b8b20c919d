import Foundation
import Testing
import TestSupport

/// `probe`, the containers' health check (the image has no curl): exit 0 while the service
/// on that port answers 200 on /ready, 1 when nothing answers.
@Suite("probe: the health check the image runs", .timeLimit(.minutes(2)))
struct ProbeCommandTests {
    @Test
    func probeExitsZeroForAReadyServiceAndOneWhenNothingAnswers() async throws {
        try await RunningSystem.run(try SystemWorld()) { system in
            for (service, client) in [("user-service", system.userAPI), ("search-service", system.searchAPI), ("analytics-service", system.analyticsAPI)] {
                let port = try #require(URLComponents(string: client.baseURL)?.port)
                let (status, output) = try SecretOutputTests.run(service, ["probe"], environment: ["HTTP_PORT": "\(port)"])
                #expect(status == 0, "\(service) probe: \(output)")
            }
            let closed = try freeLocalPort()
            let (status, output) = try SecretOutputTests.run("user-service", ["probe", "--port", "\(closed)"], environment: [:])
            #expect(status == 1, "\(output)")
        }
    }
}
