/// # Simulator
///
/// An in-memory simulator of the OpenAI upstream — Assistants v2 and its successor, Responses +
/// Conversations, both at once under `/v1` — served by the project's own HTTP server
/// (`threadgate simulate`). It is built in two layers:
///
/// - **Core** (`Core/`, no I/O): `SimulatorState` holds assistants, threads, messages, runs and
///   run steps and answers every operation with the upstream's JSON; `RunLifecycle` is the run
///   state machine as a value (events in, orders out, time as a parameter); `RunScript` and
///   `ReplyRule` make runs deterministic; ids come from a seeded `IDGenerator`.
///   Conversations and responses live in the same state; `ResponseLifecycle` is the
///   response state machine (queued → in_progress → completed | incomplete | failed |
///   cancelled), on the same `RunTiming` and `RunScript` markers.
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
/// Responses + Conversations (no `OpenAI-Beta` needed): conversations create (`metadata`, up
/// to 20 `items`) / retrieve / update / delete; items create / list (`limit`, `order` default
/// desc, `after`; `include` accepted) / retrieve / delete; `POST /responses` (`input` string or
/// items incl. `function_call_output`, `conversation` id or `{id}`, `previous_response_id`,
/// `instructions`, flat function `tools`, `background`, `stream`, `metadata`); retrieve (also
/// `stream=true&starting_after=N`), cancel (background only), delete, `input_items`.
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
/// - Responses: a foreground response is answered once it ended (it starts `in_progress` at
///   once); a background one answers `queued` and moves on the clock. Function tools named in
///   the last user text make it *complete* with `function_call` items (`fc_…`, `call_…`); a
///   later response whose input carries their `function_call_output`s replies
///   `Echo: … | tool outputs: …`. `[[expire]]` ends `failed` (there is no `expired` status).
///   A completed or incomplete response adds its input and output items to its conversation;
///   a second response while one of the conversation is running gets 400
///   `conversation_locked`. Streams carry `sequence_number` and end without `[DONE]`. 404s read
///   `Conversation with id 'conv_x' not found.` (also `Response`, `Item`).
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
