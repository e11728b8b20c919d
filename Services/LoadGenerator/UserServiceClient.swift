import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The few user-service calls the load generator makes.
struct UserServiceClient: Sendable {
    let baseURL: String

    /// Creates a user and returns its id.
    func create(index: Int) async throws -> String {
        let body = #"{"name":"Bench \#(index)","email":"bench-\#(index)-\#(UUID().uuidString.prefix(8))@example.com","bio":"load"}"#
        let (status, data) = try await send(.POST, "/users", body: body)
        guard status == 201, let object = try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any], let id = object["id"] as? String else {
            throw LoadError("create failed: \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return id
    }

    /// Replaces a profile (no If-Match: the write applies to the latest version). Returns the status.
    func put(id: String, round: Int) async throws -> Int {
        let body = #"{"name":"Bench \#(round)","email":"bench-\#(id.prefix(8))@example.com","bio":"round \#(round)"}"#
        return try await send(.PUT, "/users/\(id)", body: body).0
    }

    private func send(_ method: HTTPMethod, _ path: String, body: String) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Array(data.readableBytesView))
    }
}
