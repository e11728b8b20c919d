import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `probe`: asks the running service on this host whether it is ready — exit 0 when
/// `GET /ready` answers 200, 1 otherwise. It is the container's health check, so the image
/// needs no curl (and none of the libraries curl brings).
public struct ProbeCommand: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "probe",
            abstract: "Exit 0 if the service on this host answers 200 on /ready (a container health check), else 1."
        )
    }

    @Option(help: "The port (default: HTTP_PORT from the environment).")
    var port: Int?

    @Option(help: "The path to ask.")
    var path = "/ready"

    @Option(help: "Seconds to wait for the answer.")
    var timeout = 3

    public init() {}

    public func run() async throws {
        guard let port = port ?? ProcessInfo.processInfo.environment["HTTP_PORT"].flatMap(Int.init) else {
            throw ValidationError("no port: pass --port or set HTTP_PORT")
        }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(timeout)))
            guard response.status == .ok else {
                print("probe: GET \(path) answered \(response.status.code)")
                throw ExitCode(1)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print("probe: GET \(path) on port \(port): \(error)")
            throw ExitCode(1)
        }
    }
}
