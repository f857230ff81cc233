"""Contract test: the official `openai` SDK drives the Responses + Conversations side of
`threadgate simulate` (the successor of Assistants), through the same `simulator` fixture.

Run with tests/contract/run.sh (it runs every test_simulator_*.py file here).
"""

import json
import time

import openai
import pytest
from openai import OpenAI

API_KEY = "sk-contract-test-key-0123456789"  # as in conftest.py

TOOLS = [
    {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}, "strict": False},
    {"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}, "strict": False},
]


@pytest.fixture(scope="session")
def rclient(simulator):
    return OpenAI(base_url=simulator, api_key=API_KEY, max_retries=0, timeout=20)


def poll(client, response_id, limit=10.0):
    deadline = time.monotonic() + limit
    response = client.responses.retrieve(response_id)
    while response.status in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.02)
        response = client.responses.retrieve(response_id)
    return response


def test_conversation_create_retrieve_update_delete(rclient):
    conversation = rclient.conversations.create(
        metadata={"topic": "demo"}, items=[{"type": "message", "role": "user", "content": "Hello!"}])
    assert conversation.id.startswith("conv_")
    assert conversation.object == "conversation"
    assert conversation.metadata == {"topic": "demo"}
    assert rclient.conversations.retrieve(conversation.id).metadata == {"topic": "demo"}
    updated = rclient.conversations.update(conversation.id, metadata={"topic": "project-x"})
    assert updated.metadata == {"topic": "project-x"}
    deleted = rclient.conversations.delete(conversation.id)
    assert deleted.deleted and deleted.id == conversation.id
    with pytest.raises(openai.NotFoundError):
        rclient.conversations.retrieve(conversation.id)


def test_conversation_items_create_and_paginate(rclient):
    conversation = rclient.conversations.create()
    added = rclient.conversations.items.create(
        conversation.id,
        items=[{"type": "message", "role": "user", "content": [{"type": "input_text", "text": f"m{i}"}]}
               for i in range(5)])
    ids = [item.id for item in added.data]
    assert len(ids) == 5 and all(i.startswith("msg_") for i in ids)
    page = rclient.conversations.items.list(conversation.id, order="asc", limit=2)
    assert [item.id for item in page.data] == ids[:2]
    assert page.has_more
    second = rclient.conversations.items.list(conversation.id, order="asc", limit=2, after=ids[1])
    assert [item.id for item in second.data] == ids[2:4]
    everything = [item.id for item in rclient.conversations.items.list(conversation.id, order="asc", limit=2)]
    assert everything == ids  # the SDK's auto-pagination follows `after`
    newest = rclient.conversations.items.list(conversation.id)
    assert [item.id for item in newest.data] == list(reversed(ids))
    item = rclient.conversations.items.retrieve(ids[0], conversation_id=conversation.id)
    assert item.content[0].text == "m0"
    after_delete = rclient.conversations.items.delete(ids[0], conversation_id=conversation.id)
    assert after_delete.id == conversation.id


def test_metadata_limit_error(rclient):
    with pytest.raises(openai.BadRequestError) as raised:
        rclient.conversations.create(metadata={f"k{i}": "v" for i in range(17)})
    assert raised.value.code == "object_above_max_properties"
    assert raised.value.param == "metadata"


def test_background_response_polls_to_completion(rclient):
    conversation = rclient.conversations.create()
    # Slow enough (the marker is not echoed) that the second request below finds it still going,
    # however busy the machine.
    response = rclient.responses.create(
        model="gpt-4o", conversation=conversation.id, input="hello background [[slow:3000]]", background=True)
    assert response.id.startswith("resp_")
    assert response.status == "queued" and response.background
    with pytest.raises(openai.BadRequestError):
        rclient.responses.create(model="gpt-4o", conversation={"id": conversation.id}, input="too soon")
    done = poll(rclient, response.id)
    assert done.status == "completed"
    assert done.output_text == "Echo: hello background"
    assert done.usage.total_tokens == done.usage.input_tokens + done.usage.output_tokens
    roles = [item.role for item in rclient.conversations.items.list(conversation.id, order="asc")]
    assert roles == ["user", "assistant"]


def test_cancel_background_and_refuse_foreground(rclient):
    response = rclient.responses.create(model="gpt-4o", input="slow one [[slow:3000]]", background=True)
    cancelled = rclient.responses.cancel(response.id)
    assert cancelled.status == "cancelled"
    assert poll(rclient, response.id).status == "cancelled"
    foreground = rclient.responses.create(model="gpt-4o", input="quick")
    assert foreground.status == "completed"
    with pytest.raises(openai.BadRequestError):
        rclient.responses.cancel(foreground.id)


def test_failed_response(rclient):
    response = rclient.responses.create(model="gpt-4o", input="[[fail]]", background=True)
    done = poll(rclient, response.id)
    assert done.status == "failed" and done.error.code == "server_error"


def test_stream_events(rclient):
    stream = rclient.responses.create(model="gpt-4o", input="stream me please", stream=True)
    events = list(stream)
    types = [event.type for event in events]
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    deltas = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    assert deltas == "Echo: stream me please"
    assert events[-1].response.output_text == deltas


def test_stream_resumes_after_a_sequence_number(rclient):
    # A background response's events can be read again from any point (how threadgate resumes
    # a broken stream): `retrieve(..., stream=True, starting_after=N)` replays N+1 onwards.
    stream = rclient.responses.create(model="gpt-4o", input="resume me", stream=True, background=True)
    events = list(stream)
    response_id = events[0].response.id
    assert events[-1].type == "response.completed"
    cut = len(events) // 2
    resumed = list(rclient.responses.retrieve(response_id, stream=True, starting_after=events[cut].sequence_number))
    assert [event.sequence_number for event in resumed] == [event.sequence_number for event in events[cut + 1:]]
    assert [event.type for event in resumed] == [event.type for event in events[cut + 1:]]
    assert resumed[-1].response.output_text == "Echo: resume me"


def test_function_call_round_trip(rclient):
    conversation = rclient.conversations.create()
    first = rclient.responses.create(
        model="gpt-4o", conversation=conversation.id, input="get_weather and get_time", tools=TOOLS)
    calls = [item for item in first.output if item.type == "function_call"]
    assert [call.name for call in calls] == ["get_weather", "get_time"]
    assert json.loads(calls[0].arguments) == {"query": "get_weather and get_time"}
    outputs = {"get_weather": "sunny", "get_time": "noon"}
    second = rclient.responses.create(
        model="gpt-4o", conversation=conversation.id, tools=TOOLS,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": outputs[call.name]}
               for call in calls])
    assert second.output_text == "Echo: get_weather and get_time | tool outputs: get_weather=sunny, get_time=noon"
    types = [item.type for item in rclient.conversations.items.list(conversation.id, order="asc")]
    assert types == ["message", "function_call", "function_call", "function_call_output", "function_call_output",
                     "message"]


def test_streamed_function_calls(rclient):
    with rclient.responses.stream(model="gpt-4o", input="get_time", tools=TOOLS) as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert "response.function_call_arguments.done" in types
    assert final.output[0].type == "function_call" and final.output[0].name == "get_time"
