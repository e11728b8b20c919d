import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Requests the HTTP decoder refuses answer as problems", .timeLimit(.minutes(3)))
struct ParseErrorTests {
    /// Sends `request` on a fresh connection and returns everything up to the server's close.
    static func exchange(_ request: String, port: Int) async throws -> RawTCPConnection.Received {
        let connection = try RawTCPConnection(port: port)
        try connection.send(request)
        return try await connection.readUntilClosed(timeout: .seconds(10))
    }

    static func expectProblem(_ received: RawTCPConnection.Received, status: Int, _ detail: String) {
        #expect(received.text.hasPrefix("HTTP/1.1 \(status) "), "\(received.text.prefix(300))")
        #expect(received.text.lowercased().contains("content-type: application/problem+json"))
        #expect(received.text.lowercased().contains("connection: close"))
        #expect(received.text.contains("\"status\":\(status)"))
        #expect(received.text.contains(detail), "\(received.text.prefix(600))")
        #expect(received.closed, "the connection is closed after the problem")
    }

    @Test func headersOverTheLimitAre431() async throws {
        try await EdgeApplication.make().test(.live) { client in
            let huge = String(repeating: "x", count: 100 * 1024)
            let received = try await Self.exchange("GET /health HTTP/1.1\r\nHost: test\r\nX-Big: \(huge)\r\n\r\n", port: client.port!)
            Self.expectProblem(received, status: 431, "request head is larger")
        }
    }

    @Test(arguments: ["Content-Length: abc", "Content-Length: -5", "Content-Length: 3\r\nContent-Length: 4"])
    func aBadContentLengthIs400(_ header: String) async throws {
        try await EdgeApplication.make().test(.live) { client in
            let received = try await Self.exchange("POST /things HTTP/1.1\r\nHost: test\r\n\(header)\r\n\r\n{}", port: client.port!)
            Self.expectProblem(received, status: 400, "Content-Length")
        }
    }

    @Test func garbageIs400() async throws {
        try await EdgeApplication.make().test(.live) { client in
            let received = try await Self.exchange("GET /health HTTP/1.1\r\nHo st: x\r\n\r\n", port: client.port!)
            Self.expectProblem(received, status: 400, "not valid HTTP/1.1")
        }
    }

    @Test func aMalformedChunkedBodyAfterAnAcceptedHeadIsABadRequestNotAServerError() async throws {
        try await EdgeApplication.make().test(.live) { client in
            let received = try await Self.exchange(
                "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\n", port: client.port!
            )
            Self.expectProblem(received, status: 400, "request body is not valid HTTP/1.1")
            #expect(!received.text.contains(" 500 "), "one response, and not a server error")
            let statusLines = received.text.components(separatedBy: "HTTP/1.1 4").count + received.text.components(separatedBy: "HTTP/1.1 5").count - 2
            #expect(statusLines == 1, "exactly one response: \(received.text)")
        }
    }
}
