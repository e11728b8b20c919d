import ArgumentParser
import ConsumerService
import ServiceBootstrap

/// `search-service`: a full-text index of profiles built from `user-events`.
public struct SearchServiceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "search-service",
        abstract: SearchService.abstract,
        discussion: ConsumerServiceConfiguration.environmentHelp
            + " Defaults: HTTP_PORT=8082, DATABASE_URL=postgres://postgres@127.0.0.1:5432/search, consumer group search-service.",
        subcommands: [
            ServeCommand<SearchService>.self, MigrateCommand<SearchService>.self, RedriveCommand<SearchService>.self,
            RebuildCommand<SearchService>.self, ProbeCommand.self,
        ],
        defaultSubcommand: ServeCommand<SearchService>.self
    )

    public init() {}
}
