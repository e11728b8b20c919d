import Logging
import ServiceConfiguration
import Testing

@Suite("Reading configuration from the environment")
struct EnvironmentReaderTests {
    @Test func defaultsApplyWhenUnsetAndValuesParseWhenSet() throws {
        let reader = EnvironmentReader(["HTTP_PORT": "9000", "OUTBOX_RELAY": "off", "OUTBOX_RETENTION": "15m", "LOG_LEVEL": "DEBUG"])
        #expect(try reader.integer("HTTP_PORT", default: 8080, range: 0...65535) == 9000)
        #expect(try reader.integer("MISSING", default: 8080) == 8080)
        #expect(try reader.flag("OUTBOX_RELAY", default: true) == false)
        #expect(try reader.duration("OUTBOX_RETENTION", default: .seconds(1)) == .seconds(900))
        #expect(try reader.logLevel() == .debug)
    }

    @Test func unusableValuesAreErrorsNotSilentDefaults() {
        let reader = EnvironmentReader(["HTTP_PORT": "eighty", "OUTBOX_RELAY": "maybe", "OUTBOX_RETENTION": "soon", "LOG_LEVEL": "loud"])
        #expect(throws: ConfigurationError.self) { try reader.integer("HTTP_PORT", default: 8080, range: 0...65535) }
        #expect(throws: ConfigurationError.self) { try reader.flag("OUTBOX_RELAY", default: true) }
        #expect(throws: ConfigurationError.self) { try reader.duration("OUTBOX_RETENTION", default: .seconds(1)) }
        #expect(throws: ConfigurationError.self) { try reader.logLevel() }
    }

    @Test func durationsAcceptUnits() {
        #expect(EnvironmentReader.parseDuration("250ms") == .milliseconds(250))
        #expect(EnvironmentReader.parseDuration("30s") == .seconds(30))
        #expect(EnvironmentReader.parseDuration("24h") == .seconds(86_400))
        #expect(EnvironmentReader.parseDuration("7d") == .seconds(7 * 86_400))
        #expect(EnvironmentReader.parseDuration("90") == .seconds(90))
        #expect(EnvironmentReader.parseDuration("-1s") == nil)
    }
}
