import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Header-read and idle time-outs on a live server", .timeLimit(.minutes(3)))
struct ConnectionTimeoutTests {
    static let request = "GET /health HTTP/1.1\r\nHost: test\r\n\r\n"

    @Test func aHeadStillIncompleteAfterTheDeadlineIsAnswered408AndClosedWhileBytesTrickleIn() async throws {
        let app = EdgeApplication.make(timeouts: HTTPTimeouts(idle: .seconds(30), requestHead: .seconds(1)))
        try await app.test(.live) { client in
            let connection = try RawTCPConnection(port: client.port!)
            let started = ContinuousClock.now
            try connection.send("GET /health HTTP/1.1\r\nHost: test\r\n")
            // A slowloris client: one more header line every 200 ms, never the blank line.
            let trickle = Task {
                for index in 0..<40 {
                    try await Task.sleep(for: .milliseconds(200))
                    try connection.send("X-Slow-\(index): 1\r\n")
                }
            }
            defer { trickle.cancel() }
            let received = try await connection.readUntilClosed(timeout: .seconds(8))
            let elapsed = ContinuousClock.now - started
            #expect(received.closed, "the server closed the connection")
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(4), "closed after \(elapsed), deadline 1 s")
            #expect(received.text.hasPrefix("HTTP/1.1 408"), "\(received.text)")
            #expect(received.text.lowercased().contains("content-type: application/problem+json"))
            #expect(received.text.contains("\"status\":408"))
        }
    }

    @Test func fiftyHalfSentRequestsAreAllClosed() async throws {
        let app = EdgeApplication.make(timeouts: HTTPTimeouts(idle: .seconds(30), requestHead: .seconds(1)))
        try await app.test(.live) { client in
            let connections = try (0..<50).map { _ in try RawTCPConnection(port: client.port!) }
            for connection in connections { try connection.send("POST /things HTTP/1.1\r\nHost: test\r\nContent-") }
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for connection in connections {
                    group.addTask { try await connection.readUntilClosed(timeout: .seconds(6)).closed }
                }
                for try await closed in group { #expect(closed) }
            }
            // The server still answers.
            let fresh = try RawTCPConnection(port: client.port!)
            try fresh.send(Self.request)
            let answer = try await fresh.read(timeout: .seconds(5)) { $0.text.contains("\"status\":\"ok\"") }
            #expect(answer.text.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func theDeadlineRunsFromTheFirstByteOfEachHeadNotFromTheLastResponse() async throws {
        let app = EdgeApplication.make(timeouts: HTTPTimeouts(idle: .seconds(30), requestHead: .seconds(1)))
        try await app.test(.live) { client in
            let connection = try RawTCPConnection(port: client.port!)
            // A head sent in two pieces, well within the deadline, is served.
            try connection.send("GET /health HTTP/1.1\r\n")
            try await Task.sleep(for: .milliseconds(400))
            try connection.send("Host: test\r\n\r\n")
            let first = try await connection.read(timeout: .seconds(5)) { $0.text.contains("\"status\":\"ok\"") }
            #expect(first.text.hasPrefix("HTTP/1.1 200"), "\(first.text)")
            // Idle on keep-alive for longer than the head deadline: still open, still served.
            try await Task.sleep(for: .milliseconds(1_500))
            try connection.send(Self.request)
            let second = try await connection.read(timeout: .seconds(5)) { $0.text.contains("\"status\":\"ok\"") }
            #expect(!second.closed)
            #expect(second.text.hasPrefix("HTTP/1.1 200"), "\(second.text)")
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let app = EdgeApplication.make(timeouts: HTTPTimeouts(idle: .seconds(1), requestHead: .seconds(10)))
        try await app.test(.live) { client in
            let connection = try RawTCPConnection(port: client.port!)
            // Timed from the request: the server's idle time starts with its response, no earlier,
            // and the moment this side reads that response may lag it on a busy machine.
            let started = ContinuousClock.now
            try connection.send(Self.request)
            let answer = try await connection.read(timeout: .seconds(5)) { $0.text.contains("\"status\":\"ok\"") }
            #expect(answer.text.hasPrefix("HTTP/1.1 200"))
            #expect(!answer.closed, "keep-alive: the connection stays open after the response")
            let rest = try await connection.readUntilClosed(timeout: .seconds(8))
            let elapsed = ContinuousClock.now - started
            #expect(rest.closed, "the idle connection was closed")
            #expect(rest.bytes.isEmpty)
            #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(4), "closed after \(elapsed) from the request, idle time-out 1 s")
        }
    }

    @Test func aConnectionThatNeverSendsAByteIsClosedAfterTheIdleTimeout() async throws {
        let app = EdgeApplication.make(timeouts: HTTPTimeouts(idle: .seconds(1), requestHead: .seconds(10)))
        try await app.test(.live) { client in
            let connection = try RawTCPConnection(port: client.port!)
            let received = try await connection.readUntilClosed(timeout: .seconds(8))
            #expect(received.closed)
            #expect(received.bytes.isEmpty)
        }
    }
}
