/// The one error type of the app module: configuration that cannot work, with a message that
/// names the setting and what is allowed.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let setting: String
    public let message: String

    public init(setting: String, _ message: String) {
        self.setting = setting
        self.message = message
    }

    public var description: String { "invalid \(setting): \(message)" }
}
