import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport

extension TestResponse {
    var text: String { String(buffer: body) }

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    /// The body as a JSON object (fails the test if it is not one).
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw TestFailure("response body is not a JSON object: \(text)")
        }
        return object
    }

    /// The body as `type`, e.g. a `ProblemDetails` (fails the test if it is not one).
    func decode<Body: Decodable>(_ type: Body.Type) throws -> Body {
        try JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }
}
