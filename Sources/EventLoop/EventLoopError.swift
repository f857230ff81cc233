internal import CUV

/// The one error type of the EventLoop module: a libuv failure or a loop that no longer runs.
public struct EventLoopError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable, growable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public static let uv = Code(name: "uv")
        public static let loopClosed = Code(name: "loop_closed")
        public static let invalidAddress = Code(name: "invalid_address")
        public var description: String { name }
    }

    public let code: Code
    /// The libuv error number (negative errno) when `code == .uv`, else 0.
    public let uvStatus: Int32
    /// The libuv call that failed, for logs.
    public let operation: String

    init(code: Code, uvStatus: Int32 = 0, operation: String) {
        self.code = code
        self.uvStatus = uvStatus
        self.operation = operation
    }

    /// A failed libuv call.
    static func uv(_ status: Int32, _ operation: String) -> EventLoopError {
        EventLoopError(code: .uv, uvStatus: status, operation: operation)
    }

    /// libuv's short name for the error, such as `EADDRINUSE`.
    public var uvName: String {
        uvStatus == 0 ? "" : String(cString: uv_err_name(uvStatus))
    }

    /// True when the error means the address or port is already taken.
    public var isAddressInUse: Bool { uvStatus == UV_EADDRINUSE.rawValue }

    public var description: String {
        switch code {
        case .uv: "\(operation) failed: \(uvName) (\(String(cString: uv_strerror(uvStatus))))"
        default: "\(operation) failed: \(code)"
        }
    }
}

/// Runs a libuv call and throws when it returns a negative status.
@discardableResult
func uvCheck(_ status: Int32, _ operation: @autoclosure () -> String) throws(EventLoopError) -> Int32 {
    if status < 0 { throw EventLoopError.uv(status, operation()) }
    return status
}
