/// # Simulator
///
/// An in-memory simulator of the OpenAI Assistants v2 upstream, served by the project's own
/// HTTP server (`threadgate simulate`). It is built in two layers:
///
/// - **Core** (`Core/`, no I/O): `SimulatorState` holds assistants, threads, messages, runs and
///   run steps and answers every operation with the upstream's JSON; `RunLifecycle` is the run
///   state machine as a value (events in, orders out, time as a parameter); `RunScript` and
///   `ReplyRule` make runs deterministic; ids come from a seeded `IDGenerator`.
/// - **HTTP** (`HTTP/`): `SimulatorEngine` (an actor isolated to the first event loop) owns the
///   state; `SimulatorRoutes` maps `/v1` onto it through `FaultMiddleware`, `APIKeyMiddleware`
///   and `BetaHeaderMiddleware`; `EventStream` writes server-sent events on the run's real
///   timing; `SimulatorServer` starts it all.
///
/// ## Endpoints (under `/v1`)
///
/// Assistants CRUD and list; threads create (metadata, initial messages) / retrieve / modify /
/// delete; messages create / list (`limit` 1–100 default 20, `order` default desc, `after`,
/// `before`, `run_id`) / retrieve / modify / delete; runs create (`additional_messages`,
/// `instructions`, `additional_instructions`, `tools`, `metadata`, `stream`, …) / list /
/// retrieve / modify / cancel / submit_tool_outputs (`stream` too); `POST /threads/runs`;
/// run steps list / retrieve. `GET /v1/_simulator/stats` (no key, no faults) reports requests by
/// route and status, faults injected, runs created and run-active 400s; `DELETE` resets them.
///
/// ## Wire behaviour
///
/// - 401 without `Authorization: Bearer <key>` (missing: code null; wrong: `invalid_api_key`,
///   key masked); 400 `invalid_beta` without `OpenAI-Beta: assistants=v2` (unless disabled).
/// - 404 `No thread found with id 'thread_x'.` (assistant, message, run, run step alike).
/// - While a run is queued, in_progress, requires_action or cancelling, adding a message or
///   creating a run answers the upstream's byte-identical 400s (notes §5).
/// - Request bodies are checked like the upstream's schemas (`additionalProperties: false`):
///   unknown keys → `Unknown parameter: 'x'.` (`unknown_parameter`), plus missing / wrong-type /
///   invalid-value / too-long errors naming the parameter path; metadata at most 16 pairs, keys
///   ≤ 64, values ≤ 512 characters.
/// - Runs: `queued` for `RunTiming.queuedMillis`, then each `in_progress` stretch lasts
///   `workMillis`; `expires_at = created_at + 600` while active, null once terminal; `usage` on
///   terminal runs (tokens = UTF-8 bytes / 4, rounded up); `openai-poll-after-ms` on run
///   responses; `x-request-id` on every response.
/// - Streams (`stream: true`): the documented event order (notes §7), the reply in 3 deltas,
///   `done` at the end, or after `thread.run.requires_action`.
///
/// ## Deterministic runs
///
/// See `RunScript`: the reply is `Echo: <last user message>` (markers removed); naming a
/// function tool calls it (two names → two parallel calls, `arguments` = `{"query": text}`)
/// and the final reply appends ` | tool outputs: name=output, …`; markers `[[fail]]`,
/// `[[expire]]`, `[[cancel]]`, `[[incomplete]]`, `[[slow:MS]]`, `[[rounds:N]]` steer the run.
/// Preloaded: `asst_default` (no tools) and `asst_tools` (`get_weather`, `get_time`).
///
/// ## Faults
///
/// See `FaultSettings` (flags, random per request from the seed) and `FaultPlan` (the
/// `X-Simulator-Fault` header: `latency=MS`, `status=CODE` or `CODE`, `retry-after=S`, `drop`,
/// `stall=MS`). Status faults answer without handling the request; `drop` and `stall` apply to
/// the response of a handled request.
public enum SimulatorOverview {}
