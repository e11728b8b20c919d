import Events
import HTTPSupport
import NIOCore

/// A JSON merge patch (RFC 7396) of a profile: present members replace,
/// `null` removes (only `bio` can be removed: it becomes empty).
struct ProfilePatch: Sendable {
    var name: String?
    var email: String?
    var bio: String?

    /// A replace: every field given.
    init(replacingWith profile: ProfileInput) {
        name = profile.name
        email = profile.email
        bio = profile.bio
    }

    init(body: ByteBuffer) throws(HTTPProblem) {
        let object = try ProfileInput.parseObject(body)
        try ProfileInput.rejectUnknownFields(object)
        for field in ["name", "email"] where object[field] == .null {
            throw .invalidField(field, "\(field) cannot be removed")
        }
        if let value = object["name"] {
            let name = try ProfileInput.string(value, field: "name")
            do { try ProfileRules.validateName(name) } catch { throw HTTPProblem(error) }
            self.name = name
        }
        if let value = object["email"] {
            let email = try ProfileInput.string(value, field: "email")
            do { try ProfileRules.validateEmail(email) } catch { throw HTTPProblem(error) }
            self.email = email
        }
        switch object["bio"] {
        case nil: break
        case .null?: bio = ""
        case let value?:
            let bio = try ProfileInput.string(value, field: "bio")
            do { try ProfileRules.validateBio(bio) } catch { throw HTTPProblem(error) }
            self.bio = bio
        }
    }
}
