import Foundation
import Logging
import Observability
import Testing

@Suite("logfmt and JSON log lines")
struct StructuredLogHandlerTests {
    let metadata: Logger.Metadata = [
        "zeta": "last", "lag": "12", "group": "analytics-service", "status": "LAGGING", "partitions": "0:5,1:7",
        "note": "has spaces and \"quotes\"",
    ]

    @Test func logfmtPutsTheWellKnownKeysFirstAndQuotesWhereNeeded() {
        let line = StructuredLogHandler.render(level: .info, message: "consumer lag", metadata: metadata, format: .logfmt)
        #expect(line.hasPrefix(#"level=info msg="consumer lag" group=analytics-service lag=12 status=LAGGING partitions="0:5,1:7" "#), "\(line)")
        #expect(line.contains(#"note="has spaces and \"quotes\"""#))
        #expect(line.range(of: "note=")!.lowerBound < line.range(of: "zeta=")!.lowerBound)
        #expect(!line.contains("\n"))
    }

    @Test func jsonIsOneParseableObjectWithNumbersAsNumbers() throws {
        let line = StructuredLogHandler.render(level: .warning, message: "a\nb", metadata: metadata, format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["msg"] as? String == "a\nb")
        #expect(object["lag"] as? Int == 12)
        #expect(object["status"] as? String == "LAGGING")
        #expect(object["ts"] as? String != nil)
    }
}
