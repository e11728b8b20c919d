import HTTPTypes
import Hummingbird
import Observability

/// `GET /health`, `GET /ready` and `GET /metrics`, the same on every service. The public
/// port has the probes only; the management listener (``ManagementListener``) has all three.
public enum OperationalRoutes {
    /// The probes and `/metrics`.
    public static func add<Context: RequestContext>(to router: Router<Context>, checks: [ReadinessCheck], telemetry: Telemetry) {
        addProbes(to: router, checks: checks)
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: telemetry.render()))
            )
        }
    }

    /// `GET /health` (the process answers) and `GET /ready` (every check passes, else 503).
    public static func addProbes<Context: RequestContext>(to router: Router<Context>, checks: [ReadinessCheck]) {
        router.get("health") { _, _ in
            jsonResponse(.ok, "{\"status\":\"ok\"}")
        }
        router.get("ready") { _, _ in
            var results: [(String, Bool)] = []
            await withTaskGroup(of: (String, Bool).self) { group in
                for check in checks { group.addTask { (check.name, await check.check()) } }
                for await result in group { results.append(result) }
            }
            results.sort { $0.0 < $1.0 }
            let ready = results.allSatisfy(\.1)
            let fields = results.map { "\"\($0.0)\":\"\($0.1 ? "up" : "down")\"" }.joined(separator: ",")
            return jsonResponse(ready ? .ok : .serviceUnavailable, "{\"status\":\"\(ready ? "ready" : "unavailable")\",\"checks\":{\(fields)}}")
        }
    }

    static func jsonResponse(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
