/// The one error type of the simulator: an upstream-shaped error (`status`, `type`, `code`,
/// `message`, `param`) that the HTTP layer sends as `{"error":{…}}` unchanged.
///
/// Messages copy the upstream's wording where it is known (the run-active 400s, 404s, 401s),
/// so clients that match on text behave as they would against the real service.
public struct SimulatorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var code: String?
    public var message: String
    public var param: String?

    public init(status: Int, type: String = "invalid_request_error", code: String? = nil, message: String, param: String? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
    }

    public var description: String { "SimulatorError(\(status), \(code ?? type)): \(message)" }

    /// 400 `invalid_request_error`.
    public static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> SimulatorError {
        SimulatorError(status: 400, code: code, message: message, param: param)
    }

    /// 404 in the upstream's words: `No thread found with id 'thread_x'.`
    public static func notFound(_ noun: String, id: String) -> SimulatorError {
        SimulatorError(status: 404, message: "No \(noun) found with id '\(id)'.")
    }

    /// The upstream's 400 for `POST /threads/{id}/messages` while a run is active (byte-identical).
    public static func messageWhileRunActive(threadID: String, runID: String) -> SimulatorError {
        .invalid("Can't add messages to \(threadID) while a run \(runID) is active.")
    }

    /// The upstream's 400 for `POST /threads/{id}/runs` while a run is active (byte-identical).
    public static func runWhileRunActive(threadID: String, runID: String) -> SimulatorError {
        .invalid("Thread \(threadID) already has an active run \(runID).")
    }

    // MARK: Validation errors, in the upstream's parameter-validation style

    /// `Unknown parameter: 'foo'.`
    static func unknownParameter(_ param: String) -> SimulatorError {
        .invalid("Unknown parameter: '\(param)'.", param: param, code: "unknown_parameter")
    }

    /// `Missing required parameter: 'assistant_id'.`
    static func missingParameter(_ param: String) -> SimulatorError {
        .invalid("Missing required parameter: '\(param)'.", param: param, code: "missing_required_parameter")
    }

    /// `Invalid type for 'metadata': expected an object, but got a string instead.`
    static func invalidType(_ param: String, expected: String, got value: JSONKind) -> SimulatorError {
        .invalid(
            "Invalid type for '\(param)': expected \(expected), but got \(value.article) instead.", param: param,
            code: "invalid_type")
    }

    /// `Invalid value: 'system'. Supported values are: 'user' and 'assistant'.`
    static func invalidValue(_ param: String, value: String, supported: [String]) -> SimulatorError {
        let quoted = supported.map { "'\($0)'" }
        let list: String
        if quoted.count <= 1 {
            list = quoted.joined()
        } else {
            list = quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
        }
        return .invalid("Invalid value: '\(value)'. Supported values are: \(list).", param: param, code: "invalid_value")
    }

    /// `Invalid 'name': string too long. Expected a string with maximum length 256, but got a string with length 300 instead.`
    static func stringTooLong(_ param: String, max: Int, length: Int) -> SimulatorError {
        .invalid(
            "Invalid '\(param)': string too long. Expected a string with maximum length \(max), but got a string with length \(length) instead.",
            param: param, code: "string_above_max_length")
    }
}

/// The JSON kind of a value, for validation messages.
enum JSONKind: Sendable {
    case null, boolean, integer, number, string, array, object

    var article: String {
        switch self {
        case .null: "null"
        case .boolean: "a boolean"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
