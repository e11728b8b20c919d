import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// The HTTP edge rules every consumer service follows, checked against a running instance:
/// HEAD answers like GET without a body, a known path with another method is 405 with
/// `Allow`, an unknown path stays 404.
enum HTTPEdgeExpectations {
    static func check(
        _ service: ConsumerInstance, getPaths: [String], missingPath: String, otherMethods: [(HTTPMethod, String)], unknownPath: String
    ) async throws {
        for path in getPaths {
            let get = try await service.http.send(.GET, path)
            let head = try await service.http.send(.HEAD, path)
            #expect(head.status == get.status, "HEAD \(path)")
            #expect(head.body.isEmpty)
            #expect(head.header("Content-Type") == get.header("Content-Type"))
        }
        let missing = try await service.http.send(.HEAD, missingPath)
        #expect(missing.status == 404)
        #expect(missing.body.isEmpty)
        for (method, path) in otherMethods {
            let response = try await service.http.send(method, path, body: method == .DELETE ? nil : "{}")
            #expect(response.status == 405, "\(method) \(path)")
            #expect(response.header("Allow") == "GET, HEAD")
            #expect(response.header("Content-Type") == "application/problem+json")
        }
        #expect(try await service.http.send(.GET, unknownPath).status == 404)
    }
}
