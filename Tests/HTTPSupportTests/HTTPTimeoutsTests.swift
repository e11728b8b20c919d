import HTTPSupport
import ServiceConfiguration
import Testing

@Suite("HTTP time-outs from the environment")
struct HTTPTimeoutsTests {
    @Test func defaultsAreSixtySecondsIdleAndTenForTheHead() throws {
        let timeouts = try HTTPTimeouts(environment: EnvironmentReader([:]))
        #expect(timeouts.idle == .seconds(60))
        #expect(timeouts.requestHead == .seconds(10))
        #expect(timeouts == HTTPTimeouts())
    }

    @Test func theEnvironmentOverridesBoth() throws {
        let timeouts = try HTTPTimeouts(environment: EnvironmentReader([
            "HTTP_IDLE_TIMEOUT_SECONDS": "75", "HTTP_HEADER_TIMEOUT_SECONDS": "3",
        ]))
        #expect(timeouts == HTTPTimeouts(idle: .seconds(75), requestHead: .seconds(3)))
    }

    @Test(arguments: ["0", "-1", "ten", "1.5"])
    func unusableValuesAreErrors(_ value: String) {
        #expect(throws: ConfigurationError.self) { try HTTPTimeouts(environment: EnvironmentReader(["HTTP_IDLE_TIMEOUT_SECONDS": value])) }
        #expect(throws: ConfigurationError.self) { try HTTPTimeouts(environment: EnvironmentReader(["HTTP_HEADER_TIMEOUT_SECONDS": value])) }
    }
}
