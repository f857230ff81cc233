/// Names a typed value middleware attaches to a request, such as the authenticated user.
///
/// ```swift
/// enum AuthenticatedUser: RequestAttributeKey { typealias Value = User }
/// request.attributes[AuthenticatedUser.self] = user   // in the auth middleware
/// let user = request.attributes[AuthenticatedUser.self]  // in a handler
/// ```
public protocol RequestAttributeKey {
    /// The type of the value stored under this key.
    associatedtype Value: Sendable
}

/// Typed values attached to a request by middleware, keyed by ``RequestAttributeKey`` types.
///
/// Requests carry few attributes, so they live in a small array (empty costs nothing).
public struct RequestAttributes: Sendable {
    private var storage: [(key: ObjectIdentifier, value: any Sendable)]

    /// No attributes.
    public init() { storage = [] }

    /// The value stored under `key`, or nil. Setting nil removes it.
    public subscript<Key: RequestAttributeKey>(key: Key.Type) -> Key.Value? {
        get {
            let id = ObjectIdentifier(key)
            return storage.first { $0.key == id }?.value as? Key.Value
        }
        set {
            let id = ObjectIdentifier(key)
            storage.removeAll { $0.key == id }
            if let newValue { storage.append((key: id, value: newValue)) }
        }
    }
}
