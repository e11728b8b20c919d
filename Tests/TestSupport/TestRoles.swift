import Database
import Foundation
import ServiceConfiguration

/// A service's database with its owner and runtime roles on the tests' PostgreSQL server,
/// made by `ops/postgres/create-roles.sh`: the script the local stack and compose run, so
/// the privileges tested are the privileges deployed.
public struct TestRoles: Sendable {
    /// The database's name, also the roles' prefix (`<name>_owner`, `<name>_runtime`).
    public let name: String
    /// The owner role: migrations and `rebuild`.
    public let owner: PostgresURL
    /// The runtime role: the service's `DATABASE_URL`.
    public let runtime: PostgresURL

    /// Creates a database per prefix (`<prefix>_<random>`) and its two roles, with fresh random passwords.
    public static func create(_ prefixes: [String]) throws -> [TestRoles] {
        let server = try TestDatabase.serverURL()
        let passwords = FileManager.default.temporaryDirectory.appendingPathComponent("roles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: passwords, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: passwords) }
        var made: [TestRoles] = []
        for prefix in prefixes {
            let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
            var urls: [PostgresURL] = []
            for role in ["\(name)_owner", "\(name)_runtime"] {
                let password = randomPassword()
                try Data(password.utf8).write(to: passwords.appendingPathComponent("\(role).password"))
                urls.append(PostgresURL(host: server.host, port: server.port, username: role, password: password, database: name))
            }
            made.append(TestRoles(name: name, owner: urls[0], runtime: urls[1]))
        }
        let script = Python.repositoryRoot.appendingPathComponent("ops/postgres/create-roles.sh").path
        let (status, output) = try ExternalTool("env", package: "coreutils").run(
            ["ROLE_PASSWORDS_DIR=\(passwords.path)", "PGPASSWORD=\(server.password ?? "")",
             "PSQL=psql -h \(server.host) -p \(server.port) -U \(server.username)", "sh", script] + made.map(\.name)
        )
        guard status == 0 else { throw TestFailure("create-roles.sh exited \(status): \(output)") }
        return made
    }

    private static func randomPassword() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<24).map { _ in alphabet.randomElement()! })
    }
}
