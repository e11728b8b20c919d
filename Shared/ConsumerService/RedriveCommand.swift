import ArgumentParser
import Consumer

/// `redrive`: re-publish this service's dead letters to `user-events`.
public struct RedriveCommand<Definition: ConsumerServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "redrive",
            abstract: "Re-publish the dead letters of this service's group to user-events, then exit.",
            discussion: "Safe to repeat: consumers skip event ids they have applied, and each run only takes dead letters added since the last."
        )
    }

    public init() {}

    public func run() async throws {
        let (configuration, _, logger) = try Definition.bootstrap()
        let count = try await DeadLetterRedrive(configuration: configuration.consumer, logger: logger).run()
        print("redriven \(count) dead letter(s) from \(configuration.consumer.deadLetterTopic) to \(configuration.consumer.topic)")
    }
}
