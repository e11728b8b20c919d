import ServiceConfiguration
import Foundation
import PostgresNIO

/// A parsed `postgres://user:password@host:port/database[?sslmode=…&sslrootcert=…]` URL
/// (`DATABASE_URL`). `sslmode` and `sslrootcert` mean what they mean to libpq (see ``PostgresTLS``).
///
/// `description` never shows the password, so the value can be logged.
public struct PostgresURL: Sendable, CustomStringConvertible, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// `sslmode` and `sslrootcert`: no TLS unless the URL asks for it.
    public var tls: PostgresTLS

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tls: PostgresTLS = .disabled) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a `postgres://` or `postgresql://` URL.
    public init(_ string: String) throws(ConfigurationError) {
        guard let components = URLComponents(string: string),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme),
              let host = components.host, !host.isEmpty
        else {
            throw ConfigurationError("DATABASE_URL must look like postgres://user[:password]@host[:port]/database[?sslmode=verify-full&sslrootcert=ca.pem]")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw ConfigurationError("DATABASE_URL names no database") }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres",
            password: components.percentEncodedPassword.flatMap { $0.removingPercentEncoding },
            database: database,
            tls: try PostgresTLS(queryItems: components.queryItems ?? [])
        )
    }

    /// The URL with its password, for handing to other processes (never log this).
    public var urlString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        let query = tls.queryItems
        if !query.isEmpty { components.queryItems = query }
        return components.string ?? ""
    }

    public var description: String {
        let query = tls.queryItems.map { "\($0.name)=\($0.value ?? "")" }.joined(separator: "&")
        return "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)\(query.isEmpty ? "" : "?" + query)"
    }

    /// A configuration for one dedicated connection, for work that must own its session: a
    /// session-level advisory lock, `LISTEN`. Loads the TLS certificates, if any, each time.
    public var connectionConfiguration: PostgresConnection.Configuration {
        get throws(ConfigurationError) {
            PostgresConnection.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: try tls.connectionTLS()
            )
        }
    }

    /// A PostgresNIO client configuration for this URL, with the TLS its `sslmode` asks for.
    ///
    /// - Parameters:
    ///   - searchPath: the schema unqualified table names resolve to (a rebuild's shadow
    ///     schema), instead of the server's default (`public`).
    ///   - applicationName: shown in `pg_stat_activity`, so other sessions can tell who is connected.
    public func clientConfiguration(
        maximumConnections: Int = 20, searchPath: String? = nil, applicationName: String? = nil
    ) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls.clientTLS
        )
        configuration.options.maximumConnections = maximumConnections
        // The pool arms its idle time-out each time a connection goes back to it and cancels it
        // at the next lease; a cancelled `Task.sleep` keeps its memory until its deadline (Swift
        // issue #60441), so that memory is the lease rate times the time-out: at 2,800 writes/s a
        // 60 s time-out (and the 30 s keep-alive, armed the same way) held over 100 MiB. 10 s
        // keeps it flat and still closes connections a burst opened.
        configuration.options.connectionIdleTimeout = .seconds(10)
        // No keep-alive pings: a connection idle for 10 s is closed anyway, so they would only
        // run on connections about to close — and a ping racing its connection's close never
        // completes in PostgresNIO 1.33, which leaves the pool's `run()` unable to return
        // (`PoolShutdownTests`). A dead connection is noticed by the call that uses it:
        // `guarded` fails it when the socket closes, and its time limit when nothing answers.
        configuration.options.keepAliveBehavior = nil
        if let searchPath { configuration.options.additionalStartupParameters.append(("search_path", searchPath)) }
        if let applicationName { configuration.options.additionalStartupParameters.append(("application_name", applicationName)) }
        return configuration
    }
}
