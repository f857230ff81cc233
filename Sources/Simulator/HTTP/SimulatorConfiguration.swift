public import HTTP1
public import JSON

/// Everything `SimulatorServer` needs: where to listen, the key it accepts, run timing,
/// faults, and extra assistants.
public struct SimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (see `SimulatorServer.port`).
    public var port = 8090
    /// The only key `Authorization: Bearer …` may carry.
    public var apiKey: String
    public var timing = RunTiming()
    /// Sent as `openai-poll-after-ms` on run responses.
    public var pollAfterMillis = 100
    public var faults = FaultSettings()
    /// Seeds ids and fault decisions; random when nil.
    public var seed: UInt64?
    /// Answer 400 `invalid_beta` without `OpenAI-Beta: assistants=v2`, as the upstream does.
    public var requireBetaHeader = true
    /// Assistants to add to the defaults (`asst_default`, `asst_tools`): create-assistant
    /// bodies, each with an optional `id`.
    public var assistants: [JSONObject] = []
    public var limits = HTTPLimits()
    public var timeouts = HTTPTimeouts()

    public init(apiKey: String) { self.apiKey = apiKey }
}
