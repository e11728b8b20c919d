import ArgumentParser
import AsyncHTTPClient
import Consistency
import Database
import Events
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceBootstrap
import ServiceConfiguration

/// `user-service reconcile`: compares the source with each projection bucket by
/// bucket and reports the users that differ (docs/architecture.md, "Divergence").
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare the users with the search index and the analytics projection; report the users that differ.",
        discussion: """
            Exit status: 0 consistent, 1 divergent, 2 could not check. A difference counts only if it is still there \
            once the projection's freshness watermark has passed the moment it was first seen, so events in flight \
            are never reported. Targets from SEARCH_URL and ANALYTICS_URL (defaults: the local ports).
            """
    )

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case search, analytics, all
    }

    @Option(help: "What to compare with the source: search, analytics or all.")
    var target: Target = .all

    @Flag(help: "Write repair events through the outbox for what differs, then check again.")
    var repair = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "How long to wait for a projection's watermark to pass the first look, in seconds.")
    var settleSeconds: Int = 30

    func run() async throws {
        let (configuration, _, logger) = try ProcessBootstrap.start(service: "user-service", logging: \.logging) { environment throws(ConfigurationError) in
            try UserServiceConfiguration(environment: environment)
        }
        let search = ("search", configuration.searchURL, ProjectionContent.profile)
        let analytics = ("analytics", configuration.analyticsURL, ProjectionContent.versionOnly)
        let targets = switch target {
        case .search: [search]
        case .analytics: [analytics]
        case .all: [search, analytics]
        }
        let pool = PostgresClient(configuration: configuration.databaseURL.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
        let reports = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.run() }
            defer { group.cancelAll() }
            let database = DatabaseClient(pool: pool, logger: logger)
            let source = UserStore(database: database, logger: logger)
            let repairs = repair ? Repairs(database: database, store: source, logger: logger) : nil
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            var reports: [ReconcileReport] = []
            for (name, url, content) in targets {
                let reconciler = Reconciler(target: name, baseURL: url, content: content, http: http, source: source, settle: .seconds(settleSeconds))
                reports.append(await reconciler.runAndRepair(with: repairs))
            }
            try await http.shutdown()
            return reports
        }
        print(json ? ReconcileReport.json(reports) : ReconcileReport.table(reports))
        if reports.contains(where: { $0.result == .failed }) { throw ExitCode(2) }
        if reports.contains(where: { $0.result == .divergent && ($0.remainingAfterRepair ?? 1) > 0 }) { throw ExitCode(1) }
    }
}
