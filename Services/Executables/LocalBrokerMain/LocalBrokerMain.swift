import ArgumentParser
import LocalBroker

/// `local-broker`: the command line of the LocalBroker library (its commands, application and code).
@main
enum LocalBrokerMain {
    static func main() async {
        await LocalBrokerCommand.main()
    }
}
