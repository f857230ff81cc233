import HTTPRouting
import JSON

/// The metadata rules of a thread: the client's pairs plus the owner keys threadgate adds
/// upstream, within the upstream's limits (16 pairs, keys ≤ 64 and values ≤ 512 characters).
enum ThreadMetadata {
    /// Keys with this prefix belong to threadgate: clients can neither set nor see them.
    static let reservedPrefix = "threadgate_"
    static let ownerKey = "threadgate_owner"
    static let threadKey = "threadgate_thread"
    static let upstreamMaxPairs = 16
    /// The owner and thread keys, and one a dialect may keep on the upstream thread (the
    /// Responses dialect's run pointers, `threadgate_runs`).
    static let reservedPairs = 3
    static let maxPairs = upstreamMaxPairs - reservedPairs
    static let maxKeyLength = 64
    static let maxValueLength = 512
    static let maxTitleLength = 256

    /// The client's `metadata`, checked; nil when absent.
    static func clientMetadata(_ value: JSONValue?, param: String = "metadata") throws(APIError) -> JSONObject? {
        guard let value, value != .null else { return nil }
        guard let object = value.objectValue else {
            throw APIError.invalidParameter(param, message: "Invalid type for '\(param)': expected an object.")
        }
        guard object.count <= maxPairs else {
            throw APIError.invalidParameter(
                param,
                message: "Invalid '\(param)': too many pairs (\(object.count)); at most \(maxPairs) are allowed (threadgate keeps \(reservedPairs) of the upstream's \(upstreamMaxPairs)).")
        }
        for (key, entry) in object {
            if key.hasPrefix(reservedPrefix) {
                throw APIError.invalidParameter(
                    "\(param).\(key)", message: "Invalid '\(param)': keys starting with '\(reservedPrefix)' are reserved.")
            }
            if key.isEmpty || key.count > maxKeyLength {
                throw APIError.invalidParameter(
                    "\(param).\(key)", message: "Invalid '\(param)': keys must have 1 to \(maxKeyLength) characters.")
            }
            guard let text = entry.stringValue else {
                throw APIError.invalidParameter(
                    "\(param).\(key)", message: "Invalid type for '\(param).\(key)': expected a string.")
            }
            if text.count > maxValueLength {
                throw APIError.invalidParameter(
                    "\(param).\(key)",
                    message: "Invalid '\(param).\(key)': string too long. Expected a string with maximum length \(maxValueLength), but got a string with length \(text.count) instead.")
            }
        }
        return object
    }

    /// The thread's `title`: `.keep` when absent, `.clear` for null, else the checked text.
    enum TitleChange: Equatable {
        case keep, clear
        case set(String)
    }

    static func title(_ value: JSONValue?) throws(APIError) -> TitleChange {
        guard let value else { return .keep }
        if value == .null { return .clear }
        guard let text = value.stringValue else {
            throw APIError.invalidParameter("title", message: "Invalid type for 'title': expected a string or null.")
        }
        guard text.count <= maxTitleLength else {
            throw APIError.invalidParameter("title", message: "Invalid 'title': at most \(maxTitleLength) characters are allowed.")
        }
        return .set(text)
    }

    /// What goes upstream: the client's pairs and the owner keys.
    static func upstream(client: JSONObject, owner: String, threadID: String) -> JSONObject {
        var metadata = client
        metadata[ownerKey] = .string(String(owner.prefix(maxValueLength)))
        metadata[threadKey] = .string(threadID)
        return metadata
    }

    /// An upstream object's metadata without threadgate's keys.
    static func withoutReserved(_ metadata: JSONObject) -> JSONObject {
        var result = JSONObject()
        for (key, value) in metadata where !key.hasPrefix(reservedPrefix) { result[key] = value }
        return result
    }
}

/// Threadgate's own ids: a prefix and 24 random base-62 characters (≈143 bits).
enum Identifier {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(24)
        for _ in 0..<24 { bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        return prefix + String(decoding: bytes, as: UTF8.self)
    }
}
