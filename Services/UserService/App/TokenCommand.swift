import Access
import ArgumentParser
import Foundation
import ServiceConfiguration

/// `user-service token`: prints a bearer token signed with `AUTH_SIGNING_KEY_FILE`, for
/// people and scripts on a development stack (production tokens come from the identity
/// provider whose JWKS the services trust).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a bearer token: --admin (users:admin) or --subject <user id> (that user only).",
        discussion: "Signed with AUTH_SIGNING_KEY_FILE (scripts/local-stack.sh up creates it); AUTH_ISSUER and AUTH_AUDIENCE as the services check them."
    )

    @Flag(help: "An administrator's token (scope users:admin): any user, and creating users.")
    var admin = false

    @Option(help: "The caller (the token's sub): a user id, who may then act on that user only.")
    var subject: String?

    @Option(help: "How long the token is valid, in seconds.")
    var ttlSeconds: Int = 3600

    func validate() throws {
        guard admin || subject != nil else { throw ValidationError("give --admin or --subject <user id>") }
        if let subject, !admin, UUID(uuidString: subject) == nil { throw ValidationError("--subject must be a user id (a UUID)") }
        guard (1...31 * 86_400).contains(ttlSeconds) else { throw ValidationError("--ttl-seconds must be 1 to 2678400 (31 days)") }
    }

    func run() async throws {
        let reader = EnvironmentReader(ProcessInfo.processInfo.environment)
        guard let file = try reader.value(Settings.authSigningKeyFile) else {
            throw ValidationError("AUTH_SIGNING_KEY_FILE is not set (scripts/local-stack.sh token sets it)")
        }
        let issuer = try await TokenIssuer.load(
            signingKeyFile: file, issuer: reader.value(Settings.authIssuer),
            audience: reader.value(Settings.authAudience)
        )
        print(try await issuer.token(subject: subject ?? "admin", admin: admin, lifetime: .seconds(ttlSeconds)))
    }
}
