import JSON

extension AssistantsClient {
    /// `POST /threads/{id}/runs`. Fails with a run-active 400 (`isRunActive`) while another
    /// run of the thread is active.
    public func createRun(
        threadID: String, _ request: CreateRunRequest, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<Run> {
        try await call(.post, Self.threadPath(threadID) + "/runs", body: request.body, options: options, as: Run.self)
    }

    /// `POST /threads/{id}/runs` with `stream: true`: the run's events as they happen.
    public func createRunStream(
        threadID: String, _ request: CreateRunRequest, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantStream {
        try await stream(Self.threadPath(threadID) + "/runs", body: request.body, options: options)
    }

    /// `POST /threads/runs`: a new thread and its run in one request.
    public func createThreadAndRun(
        _ request: CreateThreadAndRunRequest, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<Run> {
        try await call(.post, "/threads/runs", body: request.body, options: options, as: Run.self)
    }

    /// `POST /threads/runs` with `stream: true`; the first event is `thread.created`.
    public func createThreadAndRunStream(
        _ request: CreateThreadAndRunRequest, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantStream {
        try await stream("/threads/runs", body: request.body, options: options)
    }

    /// `GET /threads/{id}/runs`, one page.
    public func listRuns(
        threadID: String, _ page: ListParameters = ListParameters(), options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<AssistantsList<Run>> {
        try await list(Self.threadPath(threadID) + "/runs", query: page.query, options: options, of: Run.self)
    }

    /// `GET /threads/{id}/runs/{run_id}`; `pollAfter` on the response is the upstream's
    /// `openai-poll-after-ms`.
    public func retrieveRun(
        threadID: String, runID: String, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<Run> {
        try await call(.get, Self.runPath(threadID, runID), options: options, as: Run.self)
    }

    /// `POST /threads/{id}/runs/{run_id}/cancel` (empty body); usually answers `cancelling`.
    public func cancelRun(
        threadID: String, runID: String, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<Run> {
        try await call(.post, Self.runPath(threadID, runID) + "/cancel", options: options, as: Run.self)
    }

    /// `POST /threads/{id}/runs/{run_id}/submit_tool_outputs`: every output of the pending
    /// calls in one request; the run goes back to `queued`.
    public func submitToolOutputs(
        threadID: String, runID: String, _ outputs: [ToolOutput], options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<Run> {
        try await call(
            .post, Self.runPath(threadID, runID) + "/submit_tool_outputs", body: Self.toolOutputsBody(outputs), options: options,
            as: Run.self)
    }

    /// `submit_tool_outputs` with `stream: true`: the resumed run's events.
    public func submitToolOutputsStream(
        threadID: String, runID: String, _ outputs: [ToolOutput], options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantStream {
        try await stream(Self.runPath(threadID, runID) + "/submit_tool_outputs", body: Self.toolOutputsBody(outputs), options: options)
    }

    // MARK: Run steps

    /// `GET /threads/{id}/runs/{run_id}/steps`, one page.
    public func listRunSteps(
        threadID: String, runID: String, _ page: ListParameters = ListParameters(),
        options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<AssistantsList<RunStep>> {
        try await list(Self.runPath(threadID, runID) + "/steps", query: page.query, options: options, of: RunStep.self)
    }

    /// `GET /threads/{id}/runs/{run_id}/steps/{step_id}`.
    public func retrieveRunStep(
        threadID: String, runID: String, stepID: String, options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<RunStep> {
        try await call(.get, Self.runPath(threadID, runID) + "/steps/" + Self.pathSegment(stepID), options: options, as: RunStep.self)
    }

    static func runPath(_ threadID: String, _ runID: String) -> String { threadPath(threadID) + "/runs/" + pathSegment(runID) }

    static func toolOutputsBody(_ outputs: [ToolOutput]) -> JSONObject {
        ["tool_outputs": .array(outputs.map(\.json))]
    }
}
