import Events
import Foundation
import HTTPSupport
import NIOCore

/// A complete profile as sent to `POST /users` and `PUT /users/{id}`.
struct ProfileInput: Sendable {
    var name: String
    var email: String
    var bio: String

    static let fields: Set<String> = ["name", "email", "bio"]

    /// Parses and validates a JSON body: `name` and `email` required, `bio` optional (empty).
    init(body: ByteBuffer) throws(HTTPProblem) {
        let object = try Self.parseObject(body)
        try Self.rejectUnknownFields(object)
        guard let nameValue = object["name"] else { throw .invalidField("name", "name is required") }
        guard let emailValue = object["email"] else { throw .invalidField("email", "email is required") }
        name = try Self.string(nameValue, field: "name")
        email = try Self.string(emailValue, field: "email")
        switch object["bio"] {
        case nil, .null?: bio = ""
        case let value?: bio = try Self.string(value, field: "bio")
        }
        do {
            try ProfileRules.validate(name: name, email: email, bio: bio)
        } catch {
            throw HTTPProblem(error)
        }
    }

    init(name: String, email: String, bio: String) {
        self.name = name
        self.email = email
        self.bio = bio
    }

    /// A JSON object, or 400: empty, not UTF-8, malformed JSON, another top-level value,
    /// or a member name that occurs twice in one object. Every body is parsed here.
    static func parseObject(_ body: ByteBuffer) throws(HTTPProblem) -> [String: JSONValue] {
        guard body.readableBytes > 0 else { throw .malformedJSON("the request body is empty; send a JSON object") }
        let bytes = Array(body.readableBytesView)
        try JSONText.requireUTF8(bytes)
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw .malformedJSON("the request body is not valid JSON")
        }
        guard case .object(let object) = value else {
            throw .malformedJSON("the request body must be a JSON object, not \(value.typeName)")
        }
        if let name = JSONText.firstDuplicateName(in: bytes) {
            throw .malformedJSON("the member '\(name.prefix(100))' occurs twice in one object; send each member once")
        }
        return object
    }

    static func rejectUnknownFields(_ object: [String: JSONValue]) throws(HTTPProblem) {
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw .invalidField(unknown, "unknown field '\(unknown.prefix(100))'; a profile has name, email and bio")
        }
    }

    static func string(_ value: JSONValue, field: String) throws(HTTPProblem) -> String {
        guard case .string(let string) = value else {
            throw .invalidField(field, "\(field) must be a string, not \(value.typeName)")
        }
        return string
    }
}
