import ArgumentParser
import SearchService

/// `search-service`: the command line of the SearchService library (its commands, application and code).
@main
enum SearchServiceMain {
    static func main() async {
        await SearchServiceCommand.main()
    }
}
