#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A plain TCP connection to a local port, for tests that must send what a real
/// HTTP client never would (half a request head, a malformed header) and watch
/// whether and when the server closes the connection.
public final class RawTCPConnection: Sendable {
    private let descriptor: Int32

    /// Connects to 127.0.0.1:`port`.
    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestFailure("connect to port \(port) failed (errno \(errno))")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(descriptor)
    }

    /// Sends `text` as UTF-8.
    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends `bytes`; fails if the server has closed the connection.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                usleep(1_000)
            } else {
                throw TestFailure("write failed (errno \(errno))")
            }
        }
    }

    /// What the server sent, and whether it closed the connection.
    public struct Received: Sendable {
        public var bytes: [UInt8] = []
        public var closed = false
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Reads until the server closes the connection or `timeout` passes, whichever is first.
    public func readUntilClosed(timeout: Duration) async throws -> Received {
        try await read(timeout: timeout) { _ in false }
    }

    /// Reads until `done` holds for what arrived so far, the server closes, or `timeout` passes.
    public func read(timeout: Duration, until done: (Received) -> Bool) async throws -> Received {
        var received = Received()
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                received.bytes += buffer[..<count]
                if done(received) { return received }
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                received.closed = true // end of stream, or reset by the server
                return received
            } else {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        return received
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
#else
private let systemRead = Darwin.read
#endif
