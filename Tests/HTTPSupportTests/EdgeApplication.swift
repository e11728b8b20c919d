import HTTPSupport
import HTTPTypes
import Hummingbird
import Observability
import TestSupport

/// A small service built the way the real ones are (``ServiceRouter``, the operational
/// routes, ``HTTPTimeouts/server``), with a GET-only and two POST-only resources.
enum EdgeApplication {
    static func make(timeouts: HTTPTimeouts = HTTPTimeouts(), telemetry: Telemetry = Telemetry()) -> some ApplicationProtocol {
        let router = ServiceRouter.make(telemetry: telemetry)
        OperationalRoutes.add(to: router, checks: [], telemetry: telemetry)
        router.get("things/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .eTag: "\"7\""],
                body: .init(byteBuffer: ByteBuffer(string: "{\"id\":\"\(id)\"}"))
            )
        }
        router.post("things") { _, _ in HTTPResponse.Status.created }
        router.post("echo") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            return Response(status: .ok, body: .init(byteBuffer: body))
        }
        ServiceRouter.refuseOtherMethods(on: router)
        return Application(
            router: router,
            server: timeouts.server,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: testLogger("edge")
        )
    }
}
