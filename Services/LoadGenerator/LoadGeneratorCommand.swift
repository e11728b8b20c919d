import ArgumentParser

/// `load-generator`: the measuring side of `scripts/bench.sh`. Each subcommand
/// prints one line of `key=value` figures.
@main
struct LoadGeneratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-generator",
        abstract: "Drives user-service and the broker for scripts/bench.sh and prints figures.",
        subcommands: [WriteLoad.self, PacedWrites.self, RawProduce.self, RawConsume.self, SigningRate.self, TracingRate.self]
    )
}
