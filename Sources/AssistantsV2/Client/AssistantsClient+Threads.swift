extension AssistantsClient {
    /// `POST /threads`, with metadata and initial messages.
    public func createThread(
        _ request: CreateThreadRequest = CreateThreadRequest(), options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<AssistantThread> {
        try await call(.post, "/threads", body: request.body, options: options, as: AssistantThread.self)
    }

    /// `GET /threads/{id}`.
    public func retrieveThread(
        id: String, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<AssistantThread> {
        try await call(.get, Self.threadPath(id), options: options, as: AssistantThread.self)
    }

    /// `POST /threads/{id}`: the metadata given replaces the thread's.
    public func modifyThread(
        id: String, _ request: ModifyThreadRequest, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<AssistantThread> {
        try await call(.post, Self.threadPath(id), body: request.body, options: options, as: AssistantThread.self)
    }

    /// `DELETE /threads/{id}`.
    public func deleteThread(
        id: String, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<DeletionStatus> {
        try await call(.delete, Self.threadPath(id), options: options, as: DeletionStatus.self)
    }

    // MARK: Messages

    /// `POST /threads/{id}/messages`. Fails with a run-active 400 (`isRunActive`) while a run
    /// of the thread is active.
    public func createMessage(
        threadID: String, _ request: CreateMessageRequest, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<ThreadMessage> {
        try await call(.post, Self.threadPath(threadID) + "/messages", body: request.body, options: options, as: ThreadMessage.self)
    }

    /// `GET /threads/{id}/messages`, one page; `runID` keeps only the messages that run wrote.
    public func listMessages(
        threadID: String, _ page: ListParameters = ListParameters(), runID: String? = nil,
        options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<AssistantsList<ThreadMessage>> {
        var query = page.query
        if let runID { query.append(("run_id", runID)) }
        return try await list(Self.threadPath(threadID) + "/messages", query: query, options: options, of: ThreadMessage.self)
    }

    /// `GET /threads/{id}/messages/{message_id}`.
    public func retrieveMessage(
        threadID: String, messageID: String, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<ThreadMessage> {
        try await call(
            .get, Self.threadPath(threadID) + "/messages/" + Self.pathSegment(messageID), options: options, as: ThreadMessage.self)
    }

    static func threadPath(_ id: String) -> String { "/threads/" + pathSegment(id) }
}
