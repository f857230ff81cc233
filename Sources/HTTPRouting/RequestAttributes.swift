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
public struct RequestAttributes: Sendable {
    private var storage: [ObjectIdentifier: any Sendable] = [:]

    /// No attributes.
    public init() {}

    /// The value stored under `key`, or nil. Setting nil removes it.
    public subscript<Key: RequestAttributeKey>(key: Key.Type) -> Key.Value? {
        get { storage[ObjectIdentifier(key)] as? Key.Value }
        set { storage[ObjectIdentifier(key)] = newValue }
    }
}
