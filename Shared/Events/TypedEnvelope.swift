/// A record's CloudEvent decoded in one pass: `type` first, then the whole envelope as
/// that type's event (``EventContract`` checks the rules afterwards).
enum TypedEnvelope: Decodable {
    case profileUpdated(CloudEvent<UserProfileUpdatedData>)
    case deleted(CloudEvent<UserDeletedData>)
    case heartbeat(CloudEvent<HeartbeatData>)

    /// `type` missing, or naming no event of the contract.
    enum TypeProblem: Error {
        case missing
        case unknown(String)
    }

    private enum Keys: String, CodingKey {
        case type
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        guard let name = try container.decodeIfPresent(String.self, forKey: .type) else { throw TypeProblem.missing }
        guard let type = EventType(rawValue: name) else { throw TypeProblem.unknown(name) }
        switch type {
        case .userProfileUpdated: self = .profileUpdated(try CloudEvent(from: decoder))
        case .userDeleted: self = .deleted(try CloudEvent(from: decoder))
        case .heartbeat: self = .heartbeat(try CloudEvent(from: decoder))
        }
    }
}
