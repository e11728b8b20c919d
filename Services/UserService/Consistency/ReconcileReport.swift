import Consistency
import Foundation

/// What `reconcile` found for one projection.
struct ReconcileReport: Sendable, Encodable {
    enum Result: String, Sendable, Encodable {
        case consistent, divergent, failed
    }

    var target: String
    var result: Result = .failed
    var sourceEntities = 0
    var entities = 0
    var differingBuckets = 0
    var divergences: [Divergence] = []
    /// With `--repair`: repair events written, and what a check afterwards still found.
    var repaired: Int?
    var remainingAfterRepair: Int?
    var durationMilliseconds: Int64 = 0
    var error: String?

    func count(_ kind: Divergence.Kind) -> Int { divergences.filter { $0.kind == kind }.count }

    /// A table for people: one line per target, then the users that differ.
    static func table(_ reports: [ReconcileReport]) -> String {
        var lines = ["target     result      source  entities  buckets  missing  stale  ahead  extra  content  ms"]
        for report in reports {
            lines.append([
                report.target.padding(toLength: 10, withPad: " ", startingAt: 0),
                report.result.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0),
                String(format: "%7d", report.sourceEntities), String(format: "%9d", report.entities),
                String(format: "%8d", report.differingBuckets),
                String(format: "%8d", report.count(.missing)), String(format: "%6d", report.count(.stale)),
                String(format: "%6d", report.count(.ahead)), String(format: "%6d", report.count(.extra)),
                String(format: "%8d", report.count(.content)),
                String(format: "%4d", report.durationMilliseconds),
            ].joined(separator: " "))
        }
        for report in reports {
            if let error = report.error { lines.append("\(report.target): could not check: \(error)") }
            if let repaired = report.repaired {
                lines.append("\(report.target): \(repaired) repair event(s) written; afterwards \(report.remainingAfterRepair.map(String.init) ?? "?") divergent")
            }
            for divergence in report.divergences {
                let versions = "source \(divergence.sourceVersion.map(String.init) ?? "-"), \(report.target) \(divergence.projectionVersion.map(String.init) ?? "-")"
                lines.append("\(report.target): \(divergence.kind.rawValue) \(divergence.userId.uuidString.lowercased()) (\(versions))")
            }
        }
        let divergent = reports.reduce(0) { $0 + $1.divergences.count }
        let repaired = reports.compactMap(\.repaired).reduce(0, +)
        lines.append("\(divergent) divergent user(s)" + (reports.contains { $0.repaired != nil } ? " found, \(repaired) repaired" : ""))
        return lines.joined(separator: "\n")
    }

    static func json(_ reports: [ReconcileReport]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(reports), as: UTF8.self)) ?? "[]"
    }
}
