import ArgumentParser
import AnalyticsService

/// `analytics-service`: the command line of the AnalyticsService library (its commands, application and code).
@main
enum AnalyticsServiceMain {
    static func main() async {
        await AnalyticsServiceCommand.main()
    }
}
