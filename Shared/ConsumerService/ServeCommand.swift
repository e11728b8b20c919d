import ArgumentParser
import Hummingbird
import Observability

/// `serve` (the default): consume `user-events` and answer the read API.
public struct ServeCommand<Definition: ConsumerServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "serve", abstract: "Consume user-events into the projection and serve its HTTP API (default).")
    }

    public init() {}

    public func run() async throws {
        let (configuration, telemetry, logger) = try Definition.bootstrap()
        try await ConsumerApplication.build(Definition.self, configuration: configuration, telemetry: telemetry, logger: logger).runService()
    }
}
