#if canImport(Glibc)
import Glibc
#endif

/// The process environment's value for `name`, if set.
public func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// A test could not set up what it needs (a missing variable, binary or directory).
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// `prefix` followed by a random base-36 number: a name no other test uses.
public func randomName(_ prefix: String) -> String {
    var generator = SystemRandomNumberGenerator()
    return prefix + String(generator.next() as UInt64, radix: 36)
}
