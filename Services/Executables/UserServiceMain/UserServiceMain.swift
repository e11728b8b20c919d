import ArgumentParser
import UserService

/// `user-service`: the command line of the UserService library (its commands, application and code).
@main
enum UserServiceMain {
    static func main() async {
        await UserServiceCommand.main()
    }
}
