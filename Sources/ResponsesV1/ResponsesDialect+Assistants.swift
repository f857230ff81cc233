public import JSON
public import UpstreamAPI

/// Assistants are not an upstream concept here: the configured profiles stand in for them,
/// read-only.
extension ResponsesDialect {
    public func createAssistant(body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        throw Self.assistantsAreConfiguration
    }

    /// The profiles as assistant objects, ordered by id (they share one `created_at`).
    public func listAssistants(page: PageRequest, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamPage {
        let assistants = configuration.profiles.values.sorted { $0.assistantID < $1.assistantID }.map(Self.assistant)
        return try InMemoryPager.page(assistants, page)
    }

    public func retrieveAssistant(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        guard let profile = configuration.profiles[id] else {
            throw ResponsesTransport.refused("No assistant found with id '\(id)'.", status: 404)
        }
        return Self.assistant(profile)
    }

    public func modifyAssistant(id: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        throw Self.assistantsAreConfiguration
    }

    public func deleteAssistant(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        throw Self.assistantsAreConfiguration
    }

    static var assistantsAreConfiguration: UpstreamAPIError {
        ResponsesTransport.unsupported(
            "The Responses upstream has no assistants: they are profiles in threadgate's configuration.")
    }

    /// A profile as an `assistant` object.
    static func assistant(_ profile: ResponsesProfile) -> JSONObject {
        [
            "id": .string(profile.assistantID), "object": "assistant", "created_at": 0,
            "name": .string(profile.name ?? profile.assistantID), "description": .null, "model": .string(profile.model),
            "instructions": profile.instructions.map(JSONValue.string) ?? .null,
            "tools": .array(profile.tools.map(ToolMapping.assistantsTool)), "tool_resources": [:], "metadata": [:],
            "temperature": 1, "top_p": 1, "response_format": "auto",
        ]
    }
}
