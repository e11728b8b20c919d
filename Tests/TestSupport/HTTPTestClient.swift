import AsyncHTTPClient
import Foundation
import HTTPSupport
import NIOCore
import NIOHTTP1

/// A response as the tests look at it.
public struct HTTPTestResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headers.first(name: name) }

    /// The body as a JSON object (fails the test if it is not one).
    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestFailure("response body is not a JSON object: \(text)")
        }
        return object
    }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body))
    }
}

/// Real HTTP requests to a service under test, over AsyncHTTPClient.
public struct HTTPTestClient: Sendable {
    public let baseURL: String
    /// The bearer token sent with every request that names no `Authorization` itself
    /// (an administrator's by default; `nil` sends none).
    public let token: String?

    public init(baseURL: String, token: String? = TestTokens.admin) {
        self.baseURL = baseURL
        self.token = token
    }

    public init(port: Int, token: String? = TestTokens.admin) {
        self.baseURL = "http://127.0.0.1:\(port)"
        self.token = token
    }

    @discardableResult
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> HTTPTestResponse {
        try await send(method, path, headers: headers, bytes: body.map { Array($0.utf8) })
    }

    @discardableResult
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], bytes: [UInt8]?
    ) async throws -> HTTPTestResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let token, !headers.contains(where: { $0.0.lowercased() == "authorization" }) {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let bytes {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return HTTPTestResponse(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// A PUT, PATCH or DELETE of a user as a careful client sends it: `If-Match` with the
    /// version just read (its ETag; `"1"` when there is none to read, and the write answers
    /// 404 itself), and after a 412 (another write came first) again with the version the
    /// answer names, up to 100 times.
    @discardableResult
    public func write(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil) async throws -> HTTPTestResponse {
        var etag = try await send(.GET, path, headers: headers.filter { $0.0.lowercased() == "authorization" }).header("ETag") ?? "\"1\""
        for _ in 0..<100 {
            let response = try await send(method, path, headers: headers + [("If-Match", etag)], body: body)
            guard response.status == 412, let current = try response.decode(ProblemDetails.self).currentVersion else { return response }
            etag = "\"\(current)\""
        }
        throw TestFailure("\(method) \(path): still 412 after 100 attempts")
    }

    public func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}
