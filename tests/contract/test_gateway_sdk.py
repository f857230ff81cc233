"""Contract test: the official `openai` SDK drives `threadgate serve` (the gateway) end to end.

What the upstream's users already know — `client.beta.threads`, messages, `create_and_poll`,
tool calls with `submit_tool_outputs_and_poll` — must work unchanged with
`base_url=<threadgate>/v1` and `api_key=<the app user's token>`, while every id stays private to
its owner.

Run with tests/contract/run.sh, which prepares the venv and the binary (THREADGATE_BIN) and a
PostgreSQL server (TEST_DATABASE_URL). The module starts its own private pieces and stops each
by pid at the end:
  - a fresh database created on TEST_DATABASE_URL's server (dropped at the end),
  - `threadgate simulate` on a free loopback port (the Assistants v2 upstream),
  - `threadgate serve --migrate` on a free loopback port, pointed at both,
and mints tokens with `threadgate token` for alice, bob and an admin.
Without TEST_DATABASE_URL the module is skipped.
"""

import json
import os
import pathlib
import secrets
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

import openai
import pytest
from openai import OpenAI

warnings.filterwarnings("ignore", category=DeprecationWarning)

UPSTREAM_KEY = "sk-gateway-contract-" + secrets.token_hex(8)
JWT_SECRET = secrets.token_urlsafe(48)


def binary():
    return os.path.abspath(os.environ.get("THREADGATE_BIN", ".build/debug/threadgate"))


# --- processes -------------------------------------------------------------------------------


class Process:
    """A child with stdout+stderr in a log file, stopped by its pid with SIGTERM."""

    def __init__(self, args, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.popen = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                      stdin=subprocess.DEVNULL)

    def wait_for_log(self, msg, timeout=60):
        """The first JSON log line whose `msg` is `msg` (the bound only ends a failing start)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(entry, dict) and entry.get("msg") == msg:
                        return entry
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no '{msg}' log line from {self.popen.args[:2]}:\n{self.tail()}")

    def tail(self, lines=30):
        with open(self.log_path) as f:
            return "".join(f.readlines()[-lines:])

    def stop(self):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()
        return self.popen.returncode


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="threadgate-gw-contract.") as path:
        yield pathlib.Path(path)


def with_database(url, name):
    """TEST_DATABASE_URL (a libpq URI or key=value string) naming database `name` instead."""
    if url.startswith(("postgres://", "postgresql://")):
        # Rebuilt by hand: urlunsplit drops the empty host of `postgresql:///db?host=/socket/dir`.
        parts = urllib.parse.urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}/{name}" + (f"?{parts.query}" if parts.query else "")
    return f"{url} dbname={name}"


def psql(url, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                   check=True, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def database_url():
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("TEST_DATABASE_URL is not set (tests/contract/run.sh provides one)")
    name = "tg_gw_contract_" + secrets.token_hex(6)
    psql(server, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server, name)
    finally:
        psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def simulator(workdir):
    env = dict(os.environ, UPSTREAM_API_KEY=UPSTREAM_KEY, LOG_LEVEL="info")
    process = Process(
        [binary(), "simulate", "--host", "127.0.0.1", "--port", "0", "--run-queued-ms", "20",
         "--run-duration-ms", "120", "--poll-after-ms", "20", "--seed", "4343"],
        env, workdir / "simulator.log")
    try:
        yield process.wait_for_log("simulator listening")["base_url"]
    finally:
        assert process.stop() == 0, process.tail()


@pytest.fixture(scope="module")
def gateway(workdir, database_url, simulator):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "UPSTREAM_", "ASSISTANT_"))}
    env.update(
        DATABASE_URL=database_url, UPSTREAM_BASE_URL=simulator, UPSTREAM_API_KEY=UPSTREAM_KEY,
        ASSISTANT_ID="asst_default", ASSISTANT_ALLOWLIST="asst_tools", AUTH_JWT_SECRET=JWT_SECRET,
        LOG_LEVEL="info", MIGRATIONS_DIR=str(pathlib.Path(__file__).resolve().parents[2] / "migrations"))
    process = Process(
        [binary(), "serve", "--migrate", "--host", "127.0.0.1", "--port", "0", "--workers", "2"],
        env, workdir / "gateway.log")
    try:
        port = int(process.wait_for_log("listening")["port"])
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, process)
        yield base
    finally:
        assert process.stop() == 0, process.tail()


def wait_until_ready(base, process, timeout=60):
    """Polls /readyz until it answers 200: listening comes first, and the first database
    connection of a busy machine may miss the readiness probe's one-second budget."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=10) as response:
                if response.status == 200:
                    return
                last = response.status
        except urllib.error.HTTPError as error:
            last = f"{error.code} {error.read()[:300]!r}"
        except OSError as error:
            last = repr(error)
        if process.popen.poll() is not None or time.monotonic() >= deadline:
            raise AssertionError(f"/readyz never answered 200 (last: {last}):\n{process.tail()}")
        time.sleep(0.1)


def mint(user, admin=False, secret=JWT_SECRET):
    args = [binary(), "token", "--user", user] + (["--admin"] if admin else [])
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    env["AUTH_JWT_SECRET"] = secret
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def tokens(gateway):
    return {"alice": mint("alice"), "bob": mint("bob"), "admin": mint("root", admin=True)}


def sdk(gateway, token):
    return OpenAI(base_url=f"{gateway}/v1", api_key=token, max_retries=0, timeout=20)


@pytest.fixture(scope="module")
def alice(gateway, tokens):
    return sdk(gateway, tokens["alice"])


@pytest.fixture(scope="module")
def bob(gateway, tokens):
    return sdk(gateway, tokens["bob"])


@pytest.fixture(scope="module")
def admin(gateway, tokens):
    return sdk(gateway, tokens["admin"])


def text_of(message):
    return "".join(part.text.value for part in message.content if part.type == "text")


def thread_page(client, **params):
    """GET /v1/threads (threadgate's own call; not in the SDK) through the SDK's HTTP client."""
    return client.get("/threads", cast_to=object, options={"params": params})


# --- the SDK's Assistants calls, unchanged --------------------------------------------------------


def test_thread_messages_and_create_and_poll(alice):
    thread = alice.beta.threads.create(metadata={"topic": "contract"})
    assert thread.id.startswith("thr_") and thread.object == "thread"
    assert thread.metadata == {"topic": "contract"}  # the owner keys stay upstream, unseen

    first = alice.beta.threads.messages.create(thread.id, role="user", content="first question")
    second = alice.beta.threads.messages.create(thread.id, role="user", content="second question")
    assert first.thread_id == thread.id and first.role == "user" and text_of(first) == "first question"

    run = alice.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id="asst_default")
    assert run.status == "completed" and run.thread_id == thread.id
    assert run.assistant_id == "asst_default"
    assert run.usage is not None and run.usage.total_tokens > 0

    ordered = alice.beta.threads.messages.list(thread.id, order="asc")
    assert [m.id for m in ordered.data][:2] == [first.id, second.id]
    assert all(m.thread_id == thread.id for m in ordered.data)
    reply = ordered.data[-1]
    assert len(ordered.data) == 3
    assert reply.role == "assistant" and reply.run_id == run.id and text_of(reply) == "Echo: second question"

    after_first = alice.beta.threads.messages.list(thread.id, order="asc", after=first.id)
    assert [m.id for m in after_first.data] == [second.id, reply.id]
    newest = alice.beta.threads.messages.list(thread.id, limit=1)
    assert [m.id for m in newest.data] == [reply.id] and newest.has_more
    assert alice.beta.threads.messages.retrieve(first.id, thread_id=thread.id).id == first.id

    assert [r.id for r in alice.beta.threads.runs.list(thread.id).data] == [run.id]
    assert alice.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "completed"
    steps = alice.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id)
    assert [s.type for s in steps.data] == ["message_creation"]


def test_sdk_pager_walks_messages_with_after(alice):
    thread = alice.beta.threads.create()
    ids = [alice.beta.threads.messages.create(thread.id, role="user", content=f"m{i}").id for i in range(5)]
    # The SDK pager follows `after=<last_id>` across pages of two.
    assert [m.id for m in alice.beta.threads.messages.list(thread.id, order="asc", limit=2)] == ids


def test_tool_round_trip_with_two_calls(alice):
    thread = alice.beta.threads.create()
    alice.beta.threads.messages.create(thread.id, role="user", content="use get_weather and get_time for Oslo")
    run = alice.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id="asst_tools")
    assert run.status == "requires_action" and run.thread_id == thread.id
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert all(c.type == "function" and c.id for c in calls)
    outputs = {"get_weather": "rain, 7C", "get_time": "09:30"}
    run = alice.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id,
        tool_outputs=[{"tool_call_id": c.id, "output": outputs[c.function.name]} for c in calls])
    assert run.status == "completed"
    reply = alice.beta.threads.messages.list(thread.id, limit=1).data[0]
    assert reply.role == "assistant" and reply.run_id == run.id
    assert text_of(reply) == (
        "Echo: use get_weather and get_time for Oslo | tool outputs: get_weather=rain, 7C, get_time=09:30")
    kinds = [s.step_details.type for s in alice.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id,
                                                                              order="asc")]
    assert kinds == ["tool_calls", "message_creation"]


def test_retrieve_update_delete(alice):
    thread = alice.beta.threads.create(metadata={"a": "1"})
    fetched = alice.beta.threads.retrieve(thread.id)
    assert (fetched.id, fetched.metadata, fetched.created_at) == (thread.id, {"a": "1"}, thread.created_at)

    updated = alice.beta.threads.update(thread.id, metadata={"a": "2", "b": "x"})
    assert updated.id == thread.id and updated.metadata == {"a": "2", "b": "x"}
    assert alice.beta.threads.retrieve(thread.id).metadata == {"a": "2", "b": "x"}

    deleted = alice.beta.threads.delete(thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (thread.id, "thread.deleted", True)
    with pytest.raises(openai.NotFoundError):
        alice.beta.threads.retrieve(thread.id)
    with pytest.raises(openai.NotFoundError):
        alice.beta.threads.messages.list(thread.id)
    with pytest.raises(openai.NotFoundError):
        alice.beta.threads.delete(thread.id)
    assert thread.id not in [t["id"] for t in thread_page(alice, limit=100)["data"]]


# --- ownership, authentication, the allow-list ---------------------------------------------------


def test_other_users_see_nothing_of_alices_thread(alice, bob):
    thread = alice.beta.threads.create(metadata={"secret": "alice"})
    message = alice.beta.threads.messages.create(thread.id, role="user", content="mine about get_weather")
    run = alice.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id="asst_tools")
    assert run.status == "requires_action"
    call_id = run.required_action.submit_tool_outputs.tool_calls[0].id

    attempts = {
        "threads.retrieve": lambda: bob.beta.threads.retrieve(thread.id),
        "threads.update": lambda: bob.beta.threads.update(thread.id, metadata={"x": "y"}),
        "threads.delete": lambda: bob.beta.threads.delete(thread.id),
        "messages.list": lambda: bob.beta.threads.messages.list(thread.id),
        "messages.create": lambda: bob.beta.threads.messages.create(thread.id, role="user", content="hi"),
        "messages.retrieve": lambda: bob.beta.threads.messages.retrieve(message.id, thread_id=thread.id),
        "runs.list": lambda: bob.beta.threads.runs.list(thread.id),
        "runs.create": lambda: bob.beta.threads.runs.create(thread_id=thread.id, assistant_id="asst_default"),
        "runs.retrieve": lambda: bob.beta.threads.runs.retrieve(run.id, thread_id=thread.id),
        "runs.cancel": lambda: bob.beta.threads.runs.cancel(run.id, thread_id=thread.id),
        "runs.submit_tool_outputs": lambda: bob.beta.threads.runs.submit_tool_outputs(
            run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call_id, "output": "stolen"}]),
        "runs.steps.list": lambda: bob.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id),
    }
    for name, attempt in attempts.items():
        with pytest.raises(openai.NotFoundError) as refused:
            attempt()
        assert refused.value.status_code == 404, name
        assert thread.id in refused.value.message or "No " in refused.value.message, name
    assert thread.id not in [t["id"] for t in thread_page(bob, limit=100)["data"]]

    # Nothing bob tried changed alice's thread or her run.
    assert alice.beta.threads.retrieve(thread.id).metadata == {"secret": "alice"}
    assert [m.id for m in alice.beta.threads.messages.list(thread.id).data] == [message.id]
    assert alice.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "requires_action"
    alice.beta.threads.runs.cancel(run.id, thread_id=thread.id)


def test_alices_ids_under_bobs_thread_are_not_found(alice, bob):
    """A real message/run id of alice's under a thread bob owns: the ids are checked, not just the thread."""
    mine = alice.beta.threads.create()
    message = alice.beta.threads.messages.create(mine.id, role="user", content="private")
    run = alice.beta.threads.runs.create_and_poll(thread_id=mine.id, assistant_id="asst_default")
    theirs = bob.beta.threads.create()
    with pytest.raises(openai.NotFoundError):
        bob.beta.threads.messages.retrieve(message.id, thread_id=theirs.id)
    with pytest.raises(openai.NotFoundError):
        bob.beta.threads.runs.retrieve(run.id, thread_id=theirs.id)
    with pytest.raises(openai.NotFoundError):
        bob.beta.threads.runs.steps.list(run_id=run.id, thread_id=theirs.id)


def test_bad_tokens_are_authentication_errors(gateway, alice):
    thread = alice.beta.threads.create()
    cases = {"not-a-jwt": "malformed", mint("alice", secret=secrets.token_urlsafe(48)): "bad_signature"}
    for token, code in cases.items():
        client = sdk(gateway, token)
        with pytest.raises(openai.AuthenticationError) as refused:
            client.beta.threads.retrieve(thread.id)
        assert refused.value.status_code == 401 and refused.value.code == code
        assert refused.value.response.headers.get("www-authenticate", "").lower().startswith("bearer")
        assert UPSTREAM_KEY not in refused.value.response.text
        with pytest.raises(openai.AuthenticationError):
            client.beta.threads.create()


def test_admin_routes_need_the_admin_role(gateway, alice, admin, tokens):
    thread = alice.beta.threads.create(metadata={"k": "v"})
    with pytest.raises(openai.PermissionDeniedError):
        alice.get(f"{gateway}/admin/v1/users", cast_to=object)
    page = admin.get(f"{gateway}/admin/v1/users/alice/threads", cast_to=object, options={"params": {"limit": 100}})
    assert thread.id in [t["id"] for t in page["data"]]
    assert all(t["owner"] == "alice" for t in page["data"])


def test_assistant_outside_the_allow_list_is_a_bad_request(alice):
    thread = alice.beta.threads.create()
    alice.beta.threads.messages.create(thread.id, role="user", content="hello")
    with pytest.raises(openai.BadRequestError) as refused:
        alice.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id="asst_not_allowed")
    assert refused.value.status_code == 400
    assert refused.value.code == "assistant_not_allowed" and refused.value.param == "assistant_id"
    assert alice.beta.threads.runs.list(thread.id).data == []


# --- GET /v1/threads: threadgate's own list call -------------------------------------------------


def test_thread_list_is_the_callers_own_newest_activity_first(gateway, tokens):
    carol = sdk(gateway, mint("carol"))
    dave = sdk(gateway, mint("dave"))
    created = [carol.beta.threads.create(metadata={"n": str(i)}).id for i in range(5)]
    dave_thread = dave.beta.threads.create().id

    first = thread_page(carol, limit=2)
    assert first["object"] == "list"
    assert [t["id"] for t in first["data"]] == created[::-1][:2]
    assert first["first_id"] == created[4] and first["last_id"] == created[3] and first["has_more"] is True
    assert all(t["object"] == "thread" and "owner" not in t for t in first["data"])
    second = thread_page(carol, limit=2, after=first["last_id"])
    assert [t["id"] for t in second["data"]] == [created[2], created[1]] and second["has_more"] is True
    third = thread_page(carol, limit=2, after=second["last_id"])
    assert [t["id"] for t in third["data"]] == [created[0]] and third["has_more"] is False
    assert [t["metadata"] for t in third["data"]] == [{"n": "0"}]

    # New activity (a message) moves a thread to the front.
    carol.beta.threads.messages.create(created[0], role="user", content="bump")
    assert [t["id"] for t in thread_page(carol, limit=2)["data"]] == [created[0], created[4]]

    assert [t["id"] for t in thread_page(dave)["data"]] == [dave_thread]
    # Another user's thread id is no cursor into carol's list.
    with pytest.raises(openai.BadRequestError):
        thread_page(carol, after=dave_thread)
