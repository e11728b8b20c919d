import Database
import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A PostgreSQL server of a test's own, for settings the shared server
/// (`TEST_DATABASE_URL`) cannot have, such as TLS with a test's certificates.
/// Initialised in a temporary directory with `initdb` (trust authentication,
/// listening on 127.0.0.1 only), run by `pg_ctl` as the `postgres` user when the
/// tests run as root (the server refuses root), as scripts/lib/prerequisites.sh does.
/// Use ``withTestPostgresServer(_:)``: it always stops the server and removes its files.
public struct TestPostgresServer: Sendable {
    public let directory: URL
    public let port: Int
    private let binaries: URL

    private static let runAsRoot = getuid() == 0
    private static let timeout = ExternalTool("timeout", package: "coreutils")

    /// The superuser `postgres` on the `postgres` database, over TCP, without TLS.
    public var url: PostgresURL { PostgresURL(host: "127.0.0.1", port: port, username: "postgres", database: "postgres") }

    fileprivate init() throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let newest = versions.filter({ Int($0) != nil }).max(by: { Int($0)! < Int($1)! }) else {
            throw TestFailure("no PostgreSQL under /usr/lib/postgresql: install Debian's postgresql package (scripts/lib/prerequisites.sh does)")
        }
        binaries = URL(fileURLWithPath: "/usr/lib/postgresql/\(newest)/bin")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("test-postgres-\(UUID().uuidString.prefix(8).lowercased())")
        port = try freeLocalPort()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        do {
            try handOver(directory)
            try runAsOwner("initdb", ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    private var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// Copies a file into the server's directory, readable only by the server's user
    /// (PostgreSQL refuses a private key others can read); returns its path there.
    public func install(_ file: URL, as name: String) throws -> String {
        let target = directory.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: file, to: target)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target.path)
        try handOver(target)
        return target.path
    }

    /// Starts the server with extra settings (`-c name=value`), waiting at most 30 s until it accepts connections.
    public func start(settings: [String: String] = [:]) throws {
        let options = ["-p \(port)", "-k \(directory.path)", "-c listen_addresses=127.0.0.1", "-c fsync=off"]
            + settings.sorted { $0.key < $1.key }.map { "-c \($0.key)=\($0.value)" }
        let log = directory.appendingPathComponent("postgres.log").path
        do {
            try runAsOwner("pg_ctl", ["-D", dataDirectory, "-l", log, "-w", "-t", "30", "-o", options.joined(separator: " "), "start"])
        } catch {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
            throw TestFailure("\(error)\n\(tail)")
        }
    }

    /// A fast shutdown, waiting at most 30 s; nothing if it is not running.
    public func stop() {
        guard FileManager.default.fileExists(atPath: "\(dataDirectory)/postmaster.pid") else { return }
        try? runAsOwner("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"])
    }

    /// Runs a PostgreSQL program for at most 60 s, its output in a file. Not with Foundation's
    /// `Process`: the server `pg_ctl` starts would inherit the descriptors `Process` watches to
    /// learn that its child ended (a pipe, a socket), and the wait would never end. Here the
    /// child gets /dev/null, the output file and nothing else.
    private func runAsOwner(_ binary: String, _ arguments: [String]) throws {
        guard let timeout = Self.timeout.path else { throw TestFailure("timeout is not on the PATH: install Debian's coreutils") }
        let outputPath = directory.appendingPathComponent("\(binary).out").path
        let command = [timeout, "60"] + (Self.runAsRoot ? ["runuser", "-u", "postgres", "--"] : [])
            + [binaries.appendingPathComponent(binary).path] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // What is open now, apart from 0–2 (glibc's `closefrom` file action is not imported;
        // closing a descriptor that is gone by then is not an error).
        let inherited = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }.filter { $0 > 2 }
        for descriptor in inherited { posix_spawn_file_actions_addclose(&actions, descriptor) }
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestFailure("\(binary) could not be started: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // Exited normally with status 0 (WIFEXITED and WEXITSTATUS, which Swift does not import).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw TestFailure("\(binary) failed (wait status \(status)): \(text)")
        }
    }

    /// Gives a path to the `postgres` user when the tests run as root.
    private func handOver(_ path: URL) throws {
        guard Self.runAsRoot else { return }
        try FileManager.default.setAttributes([.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"], ofItemAtPath: path.path)
    }
}

/// Runs `body` with a fresh, not yet started server of its own; stops it and removes its
/// files afterwards, whether `body` succeeds or throws.
public func withTestPostgresServer<T>(_ body: (TestPostgresServer) async throws -> T) async throws -> T {
    let server = try TestPostgresServer()
    defer {
        server.stop()
        try? FileManager.default.removeItem(at: server.directory)
    }
    return try await body(server)
}
