import Access
import ArgumentParser
import Foundation

/// `user-service auth-keys --directory DIR`: creates a development token signing key pair
/// (`signing-key.json`, mode 600, and `jwks.json`) unless one is there. The local stack and
/// compose run it on their first start.
struct AuthKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth-keys", abstract: "Create a development token signing key (Ed25519) and its JWKS in a directory, once."
    )

    @Option(help: "Where to write signing-key.json and jwks.json.")
    var directory: String

    @Option(help: "The key id (kid) tokens will name.")
    var keyID = "dev-\(Int(Date().timeIntervalSince1970))"

    func run() throws {
        if try AccessKeys.generate(in: directory, keyID: keyID) {
            print("created \(directory)/\(AccessKeys.signingKeyFile) and \(directory)/\(AccessKeys.jwksFile) (kid \(keyID))")
        } else {
            print("\(directory)/\(AccessKeys.signingKeyFile) exists; nothing written")
        }
    }
}
