import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("HEAD on every GET route, 405 with Allow on known paths")
struct MethodRoutingTests {
    @Test(arguments: ["/health", "/metrics", "/things/42"])
    func headAnswersLikeGetWithoutABody(_ path: String) async throws {
        try await EdgeApplication.make().test(.router) { client in
            let get = try await client.execute(uri: path, method: .get)
            let head = try await client.execute(uri: path, method: .head)
            #expect(get.status == .ok)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0, "HEAD has no body")
            #expect(head.headers[.contentType] == get.headers[.contentType])
            #expect(head.headers[.eTag] == get.headers[.eTag])
            if path != "/metrics" { // the metrics text changes between the two requests
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "HEAD announces the GET body's length")
            }
        }
    }

    @Test(arguments: [
        (HTTPRequest.Method.delete, "/things/42", "GET, HEAD"),
        (.post, "/things/42", "GET, HEAD"),
        (.get, "/things", "POST"),
        (.put, "/things", "POST"),
        (.post, "/health", "GET, HEAD"),
        (.options, "/ready", "GET, HEAD"),
    ])
    func wrongMethodOnAKnownPathIs405WithAllow(_ method: HTTPRequest.Method, _ path: String, _ allow: String) async throws {
        try await EdgeApplication.make().test(.router) { client in
            let response = try await client.execute(uri: path, method: method, body: ByteBuffer(string: "{}"))
            #expect(response.status == .methodNotAllowed, "\(method) \(path)")
            #expect(response.headers[.allow] == allow)
            #expect(response.headers[.contentType] == HTTPProblem.mediaType)
            let problem = try JSONDecoder().decode(ProblemDetails.self, from: Data(response.body.readableBytesView))
            #expect(problem.status == 405)
            #expect(problem.detail.contains(allow))
        }
    }

    /// A method no route has anywhere (schemathesis sends `QUERY`) is 405 on a known path too, 404 elsewhere.
    @Test(arguments: [("/health", "GET, HEAD"), ("/metrics", "GET, HEAD"), ("/things/42", "GET, HEAD"), ("/things", "POST")])
    func aMethodNoRouteHasIs405WithAllowOnAKnownPath(_ path: String, _ allow: String) async throws {
        try await EdgeApplication.make().test(.router) { client in
            let response = try await client.execute(uri: path, method: HTTPRequest.Method("QUERY")!)
            #expect(response.status == .methodNotAllowed, "QUERY \(path)")
            #expect(response.headers[.allow] == allow)
            #expect(response.headers[.contentType] == HTTPProblem.mediaType)
            let unknown = try await client.execute(uri: "/nope", method: HTTPRequest.Method("QUERY")!)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func headOnAPathWithoutGetIs405WithoutABody() async throws {
        try await EdgeApplication.make().test(.router) { client in
            let response = try await client.execute(uri: "/things", method: .head)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "POST")
            #expect(response.body.readableBytes == 0)
        }
    }

    @Test func unknownPathsStay404AlsoForHead() async throws {
        try await EdgeApplication.make().test(.router) { client in
            for method in [HTTPRequest.Method.get, .post, .delete] {
                let response = try await client.execute(uri: "/nope", method: method)
                #expect(response.status == .notFound, "\(method)")
                #expect(response.headers[.allow] == nil)
                #expect(response.headers[.contentType] == HTTPProblem.mediaType)
            }
            let head = try await client.execute(uri: "/things/1/more", method: .head)
            #expect(head.status == .notFound)
            #expect(head.body.readableBytes == 0)
        }
    }
}
