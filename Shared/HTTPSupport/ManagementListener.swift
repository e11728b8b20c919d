import Hummingbird
import Logging
import Observability

/// The second listener of every service, for operators and their tools only: `/health`,
/// `/ready`, `/metrics` and whatever `addRoutes` adds (the services add `/consistency/*`).
/// It listens on `MANAGEMENT_HOST:MANAGEMENT_PORT`, loopback by default (in compose, the
/// internal network, never published); the public port answers 404 for these routes, so
/// the user ids a digest lists and the figures `/metrics` shows never reach a client.
/// It runs as a service of the service's own application, in the same `ServiceGroup`.
public enum ManagementListener {
    public static func application(
        settings: HTTPServerSettings, serverName: String, telemetry: Telemetry, checks: [ReadinessCheck], logger: Logger,
        addRoutes: (Router<ServiceRequestContext>) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = ServiceRouter.make(telemetry: telemetry, traced: false)
        OperationalRoutes.add(to: router, checks: checks, telemetry: telemetry)
        addRoutes(router)
        ServiceRouter.refuseOtherMethods(on: router)
        return Application(
            router: router,
            server: settings.timeouts.server,
            configuration: settings.applicationConfiguration(serverName: "\(serverName) (management)"),
            logger: logger
        )
    }
}
