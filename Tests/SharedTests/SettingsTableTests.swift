import Foundation
import ServiceConfiguration
import Testing

/// The README's configuration table is the settings table (`Settings`), variable for
/// variable and default for default: a setting added, renamed or given another default in
/// the code without the README (or the other way round) fails here, and the message holds
/// the table to paste.
@Suite("the settings table: README, --help and the code say the same")
struct SettingsTableTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    static let begin = "<!-- settings table: made from Shared/ServiceConfiguration/Settings.swift; SettingsTableTests checks it -->"
    static let end = "<!-- end of the settings table -->"

    @Test func theREADMEsConfigurationTableIsTheSettingsTable() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "README.md has no settings table marker")
        let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let table = text[start.upperBound..<stop.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = Settings.markdownTable()
        #expect(table == expected, "README.md's configuration table differs from Settings; replace it with:\n\(expected)")
    }

    @Test func everyVariableIsNamedOnceAndDocumented() {
        let names = Settings.table.map(\.name)
        #expect(Set(names).count == names.count, "a variable is in the table twice")
        for setting in Settings.table {
            #expect(!setting.help.isEmpty && !setting.defaultText.isEmpty && !setting.readBy.isEmpty, "\(setting.name)")
            #expect(setting.name.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }, "\(setting.name)")
        }
    }

    /// A service's `--help` lists every variable it reads, with its default.
    @Test func theHelpOfEachProcessListsItsVariablesWithTheirDefaults() {
        let userHelp = Settings.help(readBy: ["user-service"])
        let consumerHelp = Settings.help(readBy: ["consumers"])
        #expect(userHelp.contains("OUTBOX_BATCH_SIZE (1000; 1–10000)"))
        #expect(userHelp.contains("OUTBOX_BATCHES_IN_FLIGHT (3; 1–64)"))
        #expect(!userHelp.contains("CONSUMER_BATCH_SIZE"))
        #expect(consumerHelp.contains("CONSUMER_BATCH_SIZE (500; 1–10000)"))
        #expect(!consumerHelp.contains("OUTBOX_BATCH_SIZE"))
        for help in [userHelp, consumerHelp] {
            #expect(help.contains("TOMBSTONE_RETENTION (7d;"))
            #expect(help.contains("EVENT_") && help.contains("_FILE"))
            #expect(!help.contains("`") && !help.contains("]("), "plain text, no markdown")
        }
    }

    @Test func durationsAreWrittenInTheirLargestUnit() {
        #expect(EnvironmentReader.formatDuration(.seconds(86_400 * 7)) == "7d")
        #expect(EnvironmentReader.formatDuration(.seconds(86_400)) == "1d")
        #expect(EnvironmentReader.formatDuration(.seconds(90)) == "90s")
        #expect(EnvironmentReader.formatDuration(.milliseconds(250)) == "250ms")
        #expect(EnvironmentReader.parseDuration(EnvironmentReader.formatDuration(.seconds(3600 * 24))) == .seconds(86_400))
    }
}
