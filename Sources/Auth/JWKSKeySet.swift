import JSON
import JWTKit

/// The public signing keys of one JWKS document, ready for verification.
///
/// Only keys this gateway accepts are kept: `kty: RSA` (RS256, or RS384/RS512 when the key's
/// `alg` says so) and `kty: EC` on P-256 (ES256), with `use` absent or `sig`. Symmetric
/// (`oct`) keys are ignored — a JWKS never supplies an HMAC secret — and so are private
/// parts (`d`, `p`, `q`): only the public key is handed to jwt-kit. Each key allows exactly
/// one algorithm, so a token's `alg` must match its key's.
struct JWKSKeySet: Sendable {
    struct Key: Sendable {
        /// The identifier in `collection`: the key's `kid`, or a private name for a key without one.
        let identifier: String
        let algorithm: String
    }

    let collection: JWTKeyCollection
    let byKeyID: [String: Key]
    let keys: [Key]

    /// The key for a token's `kid`; a token without `kid` may use the only key of a one-key set.
    func key(for keyID: String?) -> Key? {
        guard let keyID else { return keys.count == 1 ? keys[0] : nil }
        return byKeyID[keyID]
    }

    /// Parses `json` and loads its usable keys.
    /// - Throws: `AuthError` with `failure`'s code: not a JWKS, a broken key, no usable key.
    static func load(_ json: [UInt8], source: String, failure: AuthError.Code) async throws(AuthError) -> JWKSKeySet {
        func fail(_ message: String, _ detail: String = "") -> AuthError {
            AuthError(failure, message, detail: detail.isEmpty ? source : "\(source): \(detail)")
        }
        let document: JSONValue
        do {
            document = try JSONValue(parsing: json)
        } catch {
            throw fail("the JWKS is not valid JSON", "\(error)")
        }
        guard let entries = document["keys"]?.arrayValue else { throw fail("the JWKS has no \"keys\" array") }
        let collection = JWTKeyCollection()
        var byKeyID: [String: Key] = [:]
        var keys: [Key] = []
        for (index, entry) in entries.enumerated() {
            guard let object = entry.objectValue, let (algorithm, publicJWK) = usable(object) else { continue }
            let keyID = object["kid"]?.stringValue
            let identifier = keyID ?? "threadgate:unnamed:\(index)"
            var jwk = publicJWK
            jwk.updateValue(.string(identifier), forKey: "kid")
            do {
                try await collection.add(jwk: JWK(json: JSONValue.object(jwk).jsonString))
            } catch {
                throw fail("the JWKS holds a key that cannot be used", "key \(index) (\(keyID ?? "no kid")): \(error)")
            }
            let key = Key(identifier: identifier, algorithm: algorithm)
            keys.append(key)
            if let keyID { byKeyID[keyID] = key }
        }
        guard !keys.isEmpty else { throw fail("the JWKS has no RS256/RS384/RS512 or ES256 signing key") }
        return JWKSKeySet(collection: collection, byKeyID: byKeyID, keys: keys)
    }

    /// The algorithm a JWK allows and its public part with that `alg`, or nil for a key this
    /// gateway does not use.
    private static func usable(_ jwk: JSONObject) -> (String, JSONObject)? {
        if let use = jwk["use"], use.stringValue != "sig" { return nil }
        let declared = jwk["alg"]?.stringValue
        let fields: [String]
        let algorithm: String
        switch jwk["kty"]?.stringValue {
        case "RSA":
            algorithm = declared ?? "RS256"
            guard ["RS256", "RS384", "RS512"].contains(algorithm) else { return nil }
            fields = ["kty", "n", "e"]
        case "EC":
            algorithm = declared ?? "ES256"
            guard algorithm == "ES256", jwk["crv"]?.stringValue == "P-256" else { return nil }
            fields = ["kty", "crv", "x", "y"]
        default:
            return nil
        }
        var publicJWK = JSONObject()
        for field in fields {
            guard let value = jwk[field], value.stringValue != nil else { return nil }
            publicJWK.updateValue(value, forKey: field)
        }
        publicJWK.updateValue(.string(algorithm), forKey: "alg")
        return (algorithm, publicJWK)
    }
}
