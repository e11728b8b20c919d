import ArgumentParser
import ConsumerService
import ServiceBootstrap

/// `analytics-service`: counts profile activity from `user-events`.
public struct AnalyticsServiceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "analytics-service",
        abstract: AnalyticsService.abstract,
        discussion: ConsumerServiceConfiguration.environmentHelp
            + " Defaults: HTTP_PORT=8081, DATABASE_URL=postgres://postgres@127.0.0.1:5432/analytics, consumer group analytics-service.",
        subcommands: [
            ServeCommand<AnalyticsService>.self, MigrateCommand<AnalyticsService>.self, RedriveCommand<AnalyticsService>.self,
            RebuildCommand<AnalyticsService>.self, ProbeCommand.self,
        ],
        defaultSubcommand: ServeCommand<AnalyticsService>.self
    )

    public init() {}
}
