import JSON
import Simulator
import Testing

/// Parses a JSON object literal written as text; stops the test on a typo.
func object(_ text: String) -> JSONObject {
    guard let value = try? JSONValue(parsing: text), let object = value.objectValue else {
        preconditionFailure("not a JSON object: \(text)")
    }
    return object
}

extension JSONValue {
    var string: String? { stringValue }
    var int: Int? { intValue }
    var ids: [String] { (self["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } }
    /// The text of the first content part of a message.
    var messageText: String? { self["content"]?[0]?["text"]?["value"]?.stringValue }
}

/// Runs `body` and returns the `SimulatorError` it threw; records an issue when it did not throw.
func simulatorError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> SimulatorError? {
    do {
        try body()
        Issue.record("expected a SimulatorError", sourceLocation: sourceLocation)
        return nil
    } catch let error as SimulatorError {
        return error
    } catch {
        Issue.record("expected a SimulatorError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
