import ArgumentParser
import AsyncPrimitives
import Consumer
import Foundation
import ServiceBootstrap

/// `rebuild`: build the projection anew from the topic and switch to it atomically.
public struct RebuildCommand<Definition: ConsumerServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "rebuild",
            abstract: "Rebuild the projection from user-events beside the live one, then switch to it in one transaction.",
            discussion: """
                The running service keeps answering from the current projection meanwhile; at the switch, live writes wait \
                a moment (readers do not) and then continue into the rebuilt tables. If the topic no longer holds its whole \
                history (records deleted by retention), rebuild refuses unless --from-snapshot says `user-service snapshot` \
                has published every user's current state on it. It connects as the database's owner role \
                (MIGRATION_DATABASE_URL): it creates, moves and drops tables. Exit status: 0 switched, 1 failed (the live projection is \
                unchanged), 2 refused.
                """
        )
    }

    @Flag(help: "Rebuild although retention deleted the topic's first records: a `user-service snapshot` taken since covers them.")
    var fromSnapshot = false

    public init() {}

    public func run() async throws {
        let (configuration, _, logger) = try Definition.bootstrapAsOwner()
        let rebuild = ProjectionRebuild(
            configuration: configuration.consumer, projection: Definition.makeProjection(logger: logger),
            projectionTables: Definition.Projection.tables,
            schema: Definition.schema(migrationsPath: configuration.consumer.migrationsPath), logger: logger
        )
        let line = ProgressLine(label: "rebuild")
        do {
            let summary = try await rebuild.run(fromSnapshot: fromSnapshot) { progress in
                line.report(done: Int(progress.done), total: Int(progress.total), unit: "records", detail: progress.phase)
            }
            line.finish()
            let truncated = summary.startOffsets.filter { $0.value > 0 }.count
            print("""
                rebuild: \(Definition.group) switched to the rebuilt projection: \(summary.events.map(String.init) ?? "?") events, \
                \(String(format: "%.1f", summary.duration.inSeconds)) s, live writes paused \(summary.writesPaused.wholeMilliseconds) ms\
                \(truncated > 0 ? " (from a snapshot: \(truncated) partition(s) started above offset 0)" : "")
                """)
        } catch let error as RebuildError {
            line.finish()
            FileHandle.standardError.write(Data("rebuild: \(error.message)\n".utf8))
            throw ExitCode(error.code == .historyLost || error.code == .alreadyRunning ? 2 : 1)
        }
    }
}
