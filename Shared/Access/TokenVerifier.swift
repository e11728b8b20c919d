import AsyncHTTPClient
import Crypto
import Foundation
import HTTPSupport
import JWTKit
import NIOCore
import NIOHTTP1
import Synchronization

/// Verifies bearer tokens (JWT, RFC 7519) against the public keys of a JWKS (RFC 7517):
/// asymmetric algorithms only (ES256 and EdDSA; `none` and HMAC are refused before any
/// key is looked at), the key named by the token's `kid`, then `exp`, `nbf`, `iss` and `aud`.
///
/// Verified tokens are kept (by a SHA-256 of the token, never the token itself) until their
/// `exp`, at most ``cacheLimit`` of them: a client sends the same token on every request,
/// and an EdDSA verification costs about 50 µs of CPU where a look-up costs well under one.
public final class TokenVerifier: Sendable {
    /// The algorithms a token may be signed with.
    public static let acceptedAlgorithms: Set<String> = ["ES256", "EdDSA"]
    public static let cacheLimit = 10_000

    let keys: JWTKeyCollection
    let issuer: String
    let audience: String
    private let verified = Mutex<[SHA256.Digest: (caller: Caller, expires: Date)]>([:])

    /// The key set from `jwksJSON`; only EC P-256 and Ed25519 keys (each with a `kid`) are accepted.
    public init(jwksJSON: String, issuer: String, audience: String) async throws(TokenRejection) {
        let jwks: JWKS
        do {
            jwks = try JSONDecoder().decode(JWKS.self, from: Data(jwksJSON.utf8))
        } catch {
            throw TokenRejection("the JWKS is not a JSON Web Key Set: \(error)")
        }
        guard !jwks.keys.isEmpty else { throw TokenRejection("the JWKS has no keys") }
        let keys = JWTKeyCollection()
        for jwk in jwks.keys {
            let curve = jwk.curve?.rawValue ?? ""
            guard (jwk.keyType == .ecdsa && curve == "P-256") || (jwk.keyType == .octetKeyPair && curve == "Ed25519") else {
                throw TokenRejection("the JWKS holds a key that is neither EC P-256 nor Ed25519 (kty \(jwk.keyType), crv \(curve)): only ES256 and EdDSA are accepted")
            }
            guard jwk.keyIdentifier != nil else { throw TokenRejection("every key of the JWKS needs a kid") }
            do {
                try await keys.add(jwk: jwk)
            } catch {
                throw TokenRejection("the JWKS key \(jwk.keyIdentifier?.string ?? "?") cannot be used: \(error)")
            }
        }
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
    }

    /// Reads the JWKS named by `settings.jwks`: a file path, or an http(s) URL fetched once.
    public static func load(_ settings: AccessSettings) async throws -> TokenVerifier {
        let json: String
        if settings.jwks.hasPrefix("http://") || settings.jwks.hasPrefix("https://") {
            var request = HTTPClientRequest(url: settings.jwks)
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard response.status == .ok else { throw TokenRejection("GET \(settings.jwks) answered \(response.status.code)") }
            json = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } else {
            guard let data = FileManager.default.contents(atPath: settings.jwks) else {
                throw TokenRejection("AUTH_JWKS=\(settings.jwks): the file cannot be read")
            }
            json = String(decoding: data, as: UTF8.self)
        }
        return try await TokenVerifier(jwksJSON: json, issuer: settings.issuer, audience: settings.audience)
    }

    /// The caller a token names, or why it is refused.
    public func verify(_ token: String, now: Date = Date()) async throws(TokenRejection) -> Caller {
        let digest = SHA256.hash(data: Array(token.utf8))
        if let known = verified.withLock({ $0[digest] }), known.expires > now { return known.caller }

        let header = try Self.header(of: token)
        guard let algorithm = header.alg, Self.acceptedAlgorithms.contains(algorithm) else {
            throw TokenRejection("the token's algorithm \(header.alg.map { "'\($0.prefix(20))'" } ?? "(none)") is not accepted: ES256 or EdDSA")
        }
        guard header.kid != nil else { throw TokenRejection("the token names no key (kid)") }
        let claims: AccessToken
        do {
            claims = try await keys.verify(token, as: AccessToken.self)
        } catch let error as JWTError {
            switch error.errorType {
            case .claimVerificationFailure where error.failedClaim is ExpirationClaim: throw TokenRejection("the token has expired")
            case .claimVerificationFailure where error.failedClaim is NotBeforeClaim: throw TokenRejection("the token is not valid yet (nbf)")
            case .unknownKID: throw TokenRejection("the token is signed with a key this service does not know (kid)")
            case .signatureVerificationFailed: throw TokenRejection("the token's signature does not verify")
            default: throw TokenRejection("the token cannot be verified (\(error.errorType))")
            }
        } catch {
            throw TokenRejection("the token cannot be verified")
        }
        guard claims.iss.value == issuer else { throw TokenRejection("the token's issuer is not \(issuer)") }
        guard claims.aud.value.contains(audience) else { throw TokenRejection("the token's audience does not include \(audience)") }
        let caller = Caller(subject: claims.sub.value, isAdmin: claims.scopes.contains(Substring(Caller.adminScope)))
        verified.withLock { cache in
            if cache.count >= Self.cacheLimit {
                cache = cache.filter { $0.value.expires > now }
                if cache.count >= Self.cacheLimit { cache.removeAll() }
            }
            cache[digest] = (caller, claims.exp.value)
        }
        return caller
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    private static func header(of token: String) throws(TokenRejection) -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Data(base64URL: String(parts[0])), let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw TokenRejection("the token is not a JWT (header.payload.signature)")
        }
        return header
    }
}
