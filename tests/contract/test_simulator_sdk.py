"""Contract test: the official `openai` SDK drives `threadgate simulate` end to end.

Run with tests/contract/run.sh, which prepares the venv and the binary and sets THREADGATE_BIN.
The simulator is started once per session by the `simulator` fixture in conftest.py.
"""

import json
import time
import warnings

import openai
import pytest
from openai import AssistantEventHandler, OpenAI

warnings.filterwarnings("ignore", category=DeprecationWarning)

API_KEY = "sk-contract-test-key-0123456789"


@pytest.fixture(scope="session")
def client(simulator):
    return OpenAI(base_url=simulator, api_key=API_KEY, max_retries=0, timeout=20)


def text_of(message):
    return "".join(part.text.value for part in message.content if part.type == "text")


def test_assistants_create_list_update_delete(client):
    assistant = client.beta.assistants.create(
        model="gpt-4o", name="Contract", instructions="Be brief.", metadata={"suite": "contract"})
    assert assistant.id.startswith("asst_")
    assert assistant.object == "assistant"
    ids = [a.id for a in client.beta.assistants.list(limit=100)]
    assert assistant.id in ids and "asst_default" in ids and "asst_tools" in ids
    updated = client.beta.assistants.update(assistant.id, name="Renamed")
    assert updated.name == "Renamed" and updated.instructions == "Be brief."
    assert client.beta.assistants.retrieve(assistant.id).name == "Renamed"
    deleted = client.beta.assistants.delete(assistant.id)
    assert deleted.deleted and deleted.id == assistant.id
    with pytest.raises(openai.NotFoundError):
        client.beta.assistants.retrieve(assistant.id)


def test_thread_with_metadata_messages_and_create_and_poll(client):
    thread = client.beta.threads.create(metadata={"owner": "user-1"})
    assert thread.metadata == {"owner": "user-1"}
    first = client.beta.threads.messages.create(thread.id, role="user", content="first question")
    second = client.beta.threads.messages.create(thread.id, role="user", content="second question")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id="asst_default")
    assert run.status == "completed"
    assert run.usage is not None and run.usage.total_tokens > 0
    assert run.expires_at is None and run.completed_at is not None

    ordered = client.beta.threads.messages.list(thread.id, order="asc")
    assert [m.id for m in ordered.data][:2] == [first.id, second.id]
    reply = ordered.data[-1]
    assert reply.role == "assistant" and reply.run_id == run.id and reply.assistant_id == "asst_default"
    assert text_of(reply) == "Echo: second question"

    after_first = client.beta.threads.messages.list(thread.id, order="asc", after=first.id)
    assert [m.id for m in after_first.data] == [second.id, reply.id]
    newest = client.beta.threads.messages.list(thread.id, limit=1)
    assert newest.data[0].id == reply.id and newest.has_more
    steps = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id)
    assert [s.type for s in steps.data] == ["message_creation"]


def test_pagination_through_the_sdk_pager(client):
    thread = client.beta.threads.create()
    ids = [client.beta.threads.messages.create(thread.id, role="user", content=f"m{i}").id for i in range(7)]
    seen = [m.id for m in client.beta.threads.messages.list(thread.id, order="asc", limit=3)]
    assert seen == ids


def test_tool_round_trip_with_two_parallel_calls(client):
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": "what about get_weather and get_time in Paris"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id="asst_tools")
    assert run.status == "requires_action"
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert json.loads(calls[0].function.arguments) == {"query": "what about get_weather and get_time in Paris"}
    outputs = {"get_weather": "sunny", "get_time": "noon"}
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id,
        tool_outputs=[{"tool_call_id": c.id, "output": outputs[c.function.name]} for c in calls])
    assert run.status == "completed"
    reply = client.beta.threads.messages.list(thread.id, limit=1).data[0]
    assert text_of(reply) == (
        "Echo: what about get_weather and get_time in Paris | tool outputs: get_weather=sunny, get_time=noon")


class CollectingHandler(AssistantEventHandler):
    def __init__(self):
        super().__init__()
        self.names = []
        self.text = ""

    def on_event(self, event):
        self.names.append(event.event)

    def on_text_delta(self, delta, snapshot):
        self.text = snapshot.value


def test_runs_stream_events_in_order(client):
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "stream this back"}])
    handler = CollectingHandler()
    with client.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id="asst_default", event_handler=handler) as stream:
        stream.until_done()
        final = stream.get_final_messages()
    assert handler.names == [
        "thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.step.created",
        "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress",
        "thread.message.delta", "thread.message.delta", "thread.message.delta", "thread.message.completed",
        "thread.run.step.completed", "thread.run.completed",
    ]
    assert handler.text == "Echo: stream this back"
    assert text_of(final[0]) == "Echo: stream this back"
    assert handler.current_run.status == "completed"


def test_cancel(client):
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "long job [[slow:3000]]"}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id="asst_default")
    cancelled = client.beta.threads.runs.cancel(run_id=run.id, thread_id=thread.id)
    assert cancelled.status == "cancelling"
    run = client.beta.threads.runs.poll(run.id, thread_id=thread.id, poll_interval_ms=20)
    assert run.status == "cancelled" and run.cancelled_at is not None


def test_run_active_errors_are_bad_requests(client):
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "busy [[slow:1500]]"}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id="asst_default")
    with pytest.raises(openai.BadRequestError) as message_error:
        client.beta.threads.messages.create(thread.id, role="user", content="again")
    assert message_error.value.status_code == 400
    assert message_error.value.body["message"] == f"Can't add messages to {thread.id} while a run {run.id} is active."
    with pytest.raises(openai.BadRequestError) as run_error:
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id="asst_default")
    assert run_error.value.body["message"] == f"Thread {thread.id} already has an active run {run.id}."
    client.beta.threads.runs.cancel(run_id=run.id, thread_id=thread.id)


def test_errors_map_to_sdk_exceptions(simulator, client):
    with pytest.raises(openai.AuthenticationError) as auth:
        OpenAI(base_url=simulator, api_key="sk-wrong-key-00000000", max_retries=0).beta.threads.create()
    assert auth.value.code == "invalid_api_key"
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.retrieve("thread_doesnotexist")
    with pytest.raises(openai.BadRequestError) as limits:
        client.beta.threads.create(metadata={f"k{i}": "v" for i in range(17)})
    assert limits.value.param == "metadata"


def test_rate_limit_fault_surfaces_with_retry_after(client):
    with pytest.raises(openai.RateLimitError) as limited:
        client.beta.assistants.list(extra_headers={"X-Simulator-Fault": "429,retry-after=1"})
    assert limited.value.response.headers["retry-after"] == "1"
    started = time.monotonic()
    retrying = client.with_options(max_retries=1)
    with pytest.raises(openai.RateLimitError):
        retrying.beta.assistants.list(extra_headers={"X-Simulator-Fault": "429,retry-after=1"})
    assert time.monotonic() - started >= 0.9  # the SDK honoured Retry-After before retrying


class ToolHandler(AssistantEventHandler):
    def __init__(self):
        super().__init__()
        self.names = []
        self.calls = []

    def on_event(self, event):
        self.names.append(event.event)

    def on_tool_call_done(self, tool_call):
        self.calls.append((tool_call.id, tool_call.function.name, tool_call.function.arguments))


def test_streamed_tool_calls_and_streamed_outputs(client):
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "get_time and get_weather"}])
    handler = ToolHandler()
    with client.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id="asst_tools", event_handler=handler) as stream:
        stream.until_done()
    assert handler.names[-1] == "thread.run.requires_action"
    run = handler.current_run
    assert run.status == "requires_action"
    required = run.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in required] == ["get_weather", "get_time"]
    # The SDK rebuilt each call from the step deltas exactly as the run reports it.
    assert [(c.id, c.function.name, c.function.arguments) for c in required] == handler.calls
    after = CollectingHandler()
    with client.beta.threads.runs.submit_tool_outputs_stream(
            run_id=run.id, thread_id=thread.id, event_handler=after,
            tool_outputs=[{"tool_call_id": c.id, "output": "ok"} for c in required]) as stream:
        stream.until_done()
    assert after.names[:3] == ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"]
    assert after.names[-1] == "thread.run.completed"
    assert after.text == "Echo: get_time and get_weather | tool outputs: get_weather=ok, get_time=ok"
