import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The few user-service calls the load generator makes, each with the bearer token in
/// `BEARER_TOKEN` (the scripts put an admin token there: `scripts/local-stack.sh token --admin`).
struct UserServiceClient: Sendable {
    let baseURL: String
    let token = ProcessInfo.processInfo.environment["BEARER_TOKEN"]
    /// Each user's version, for `If-Match`.
    let versions = VersionBook()

    /// Creates a user and returns its id.
    func create(index: Int) async throws -> String {
        let body = #"{"name":"Bench \#(index)","email":"bench-\#(index)-\#(UUID().uuidString.prefix(8))@example.com","bio":"load"}"#
        let (status, data, _) = try await send(.POST, "/users", body: body)
        guard status == 201, let object = try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any], let id = object["id"] as? String else {
            throw LoadError("create failed: \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return id
    }

    /// Replaces a profile with `If-Match` naming the version last seen; after a 412 (another
    /// write came first) it retries once with the version the answer names. Returns the status.
    func put(id: String, round: Int) async throws -> Int {
        let body = #"{"name":"Bench \#(round)","email":"bench-\#(id.prefix(8))@example.com","bio":"round \#(round)"}"#
        var status = 0
        for _ in 0..<2 {
            let (code, data, etag) = try await send(.PUT, "/users/\(id)", body: body, ifMatch: versions.version(of: id))
            status = code
            if code == 200, let etag, let version = Int64(etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))) {
                versions.record(version, of: id)
            }
            guard code == 412, let problem = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any],
                  let current = problem["currentVersion"] as? Int else { break }
            versions.record(Int64(current), of: id)
        }
        return status
    }

    private func send(_ method: HTTPMethod, _ path: String, body: String, ifMatch: Int64? = nil) async throws -> (Int, [UInt8], String?) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let ifMatch { request.headers.add(name: "If-Match", value: "\"\(ifMatch)\"") }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Array(data.readableBytesView), response.headers.first(name: "ETag"))
    }
}
