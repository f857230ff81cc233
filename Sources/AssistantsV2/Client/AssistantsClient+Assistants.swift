extension AssistantsClient {
    /// `POST /assistants`.
    public func createAssistant(
        _ request: CreateAssistantRequest, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<Assistant> {
        try await call(.post, "/assistants", body: request.body, options: options, as: Assistant.self)
    }

    /// `GET /assistants`, one page.
    public func listAssistants(
        _ page: ListParameters = ListParameters(), options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<AssistantsList<Assistant>> {
        try await list("/assistants", query: page.query, options: options, of: Assistant.self)
    }

    /// `GET /assistants/{id}`.
    public func retrieveAssistant(
        id: String, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<Assistant> {
        try await call(.get, "/assistants/\(Self.pathSegment(id))", options: options, as: Assistant.self)
    }

    /// `POST /assistants/{id}`.
    public func modifyAssistant(
        id: String, _ request: ModifyAssistantRequest, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<Assistant> {
        try await call(.post, "/assistants/\(Self.pathSegment(id))", body: request.body, options: options, as: Assistant.self)
    }

    /// `DELETE /assistants/{id}`.
    public func deleteAssistant(
        id: String, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<DeletionStatus> {
        try await call(.delete, "/assistants/\(Self.pathSegment(id))", options: options, as: DeletionStatus.self)
    }
}
