import AnalyticsService
import ArgumentParser
import Foundation
import LocalBroker
import SearchService
import UserService

/// `event-driven-users`: user-service, analytics-service, search-service and local-broker in one
/// executable, run as the name it is started as (argv[0], as BusyBox does). The image ships
/// this one executable with the four names as links to it: the services share most of their
/// code (NIO, Hummingbird, PostgresNIO, swift-crypto, swift-otel, Foundation), which four
/// executables carried four times. `event-driven-users <name> [arguments]` works too.
@main
enum EventDrivenUsers {
    static let names = ["user-service", "analytics-service", "search-service", "local-broker"]

    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var name = URL(fileURLWithPath: CommandLine.arguments.first ?? "").lastPathComponent
        if !names.contains(name), let first = arguments.first, names.contains(first) {
            name = arguments.removeFirst()
        }
        switch name {
        case "user-service": await UserServiceCommand.main(arguments)
        case "analytics-service": await AnalyticsServiceCommand.main(arguments)
        case "search-service": await SearchServiceCommand.main(arguments)
        case "local-broker": await LocalBrokerCommand.main(arguments)
        default:
            FileHandle.standardError.write(Data("usage: event-driven-users (\(names.joined(separator: " | "))) [arguments]\n".utf8))
            exit(64)
        }
    }
}
