#!/usr/bin/env bash
# Black-box checks of the real `threadgate` binary on loopback.
#
#   scripts/e2e.sh
#
# Builds `threadgate` (debug), then checks its command line and a running server:
# --help / --version, argument validation, /healthz, the JSON error shape of a 404,
# X-Request-Id echo, one-JSON-object-per-line logs on stdout, and a clean exit on SIGTERM.
# Then `threadgate dev` in a temp directory: cluster and simulator started, the printed token
# used against the API (an ask when the build has `/v1/ask`), stopped, reused with the same
# secret. Then each tests/e2e/*.sh scenario (when TEST_DATABASE_URL is set), such as
# tests/e2e/migrate-threads.sh. Last, scripts/check-config-docs.sh: README's configuration
# reference against the sources.
# Prints `ok - ...` / `not ok - ...` per check and ends with `e2e: N passed, M failed`;
# exits 1 if any check failed. The server's logs are kept in .build-logs/e2e-server.*.
# THREADGATE_BIN=/path/to/threadgate skips the build and checks that binary instead.
#
# Log format this expects on stdout (one JSON object per line):
#   {"msg":"listening","port":PORT,...}                         once per start
#   {"msg":...,"method":"GET","path":"/healthz","status":200,
#    "duration_ms":...,"request_id":"..."}                        one per request (LOG_LEVEL=info)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
for tool in curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "e2e: $tool not found (run scripts/install-deps.sh)" >&2
        exit 1
    fi
done
# Flags are what is under test: keep configuration from the environment out of it.
unset PORT WORKERS

log_dir="$repo_root/.build-logs"
mkdir -p "$log_dir"
server_log="$log_dir/e2e-server.stdout.log"
server_err="$log_dir/e2e-server.stderr.log"
tmp=$(mktemp -d)
server_pid=""

cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "ok - $1"
}
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    if [ $# -gt 1 ] && [ -n "$2" ]; then
        # Indented detail, at most 20 lines.
        printf '%s\n' "$2" | head -n 20 | sed 's/^/#   /'
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# THREADGATE_BIN=path checks that binary (a release build, say) instead of building.
bin="${THREADGATE_BIN:-}"
if [ -z "$bin" ]; then
    echo "e2e: building threadgate (debug)"
    if swift build --product threadgate; then
        bin="$(swift build --show-bin-path)/threadgate"
    fi
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    not_ok "threadgate builds"
    echo "e2e: $passed passed, $failed failed"
    exit 1
fi

# run_cli OUTFILE ARGS...: run the binary with a 10 s bound, stdout+stderr to OUTFILE,
# print its exit status (124 means it had to be stopped: it did not exit by itself).
run_cli() {
    local out=$1
    shift
    local rc=0
    timeout -k 2 10 "$bin" "$@" >"$out" 2>&1 </dev/null || rc=$?
    echo "$rc"
}

# --- command line -------------------------------------------------------------------

rc=$(run_cli "$tmp/help" --help)
if [ "$rc" -eq 0 ]; then
    ok "threadgate --help exits 0"
else
    not_ok "threadgate --help exits 0 (exit $rc)" "$(cat "$tmp/help")"
fi
if grep -q 'serve' "$tmp/help"; then
    ok "threadgate --help lists the serve subcommand"
else
    not_ok "threadgate --help lists the serve subcommand" "$(cat "$tmp/help")"
fi

rc=$(run_cli "$tmp/version" --version)
if [ "$rc" -eq 0 ] && grep -Eq '[0-9]+\.[0-9]+' "$tmp/version"; then
    ok "threadgate --version prints a version ($(head -n 1 "$tmp/version"))"
else
    not_ok "threadgate --version prints a version (exit $rc)" "$(cat "$tmp/version")"
fi

port=$(free_port)
rc=$(run_cli "$tmp/badport" serve --host 127.0.0.1 --port 99999)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qi 'port' "$tmp/badport"; then
    ok "serve --port 99999 is rejected with a message about the port"
else
    not_ok "serve --port 99999 is rejected with a message about the port (exit $rc)" "$(cat "$tmp/badport")"
fi

rc=$(run_cli "$tmp/badworkers" serve --host 127.0.0.1 --port "$port" --workers 0)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qi 'workers' "$tmp/badworkers"; then
    ok "serve --workers 0 is rejected with a message about workers"
else
    not_ok "serve --workers 0 is rejected with a message about workers (exit $rc)" "$(cat "$tmp/badworkers")"
fi

# threadgate token: the token alone on the last line of stdout; no secret means exit 2.
e2e_secret="e2e-secret-0123456789-0123456789-abcdef"
rc=0
AUTH_JWT_SECRET="$e2e_secret" timeout -k 2 10 "$bin" token --user alice --admin --ttl 15m \
    >"$tmp/token.out" 2>"$tmp/token.err" </dev/null || rc=$?
if [ "$rc" -eq 0 ] && tail -n 1 "$tmp/token.out" | grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'; then
    ok "threadgate token --user alice prints a JWT on its last line"
else
    not_ok "threadgate token --user alice prints a JWT on its last line (exit $rc)" "$(cat "$tmp/token.out" "$tmp/token.err")"
fi
rc=$(AUTH_JWT_SECRET='' run_cli "$tmp/token-nosecret" token --user alice)
rc2=$(env -u AUTH_JWT_SECRET timeout -k 2 10 "$bin" token --user alice >/dev/null 2>&1 </dev/null; echo $?)
if [ "$rc" -eq 2 ] && [ "$rc2" -eq 2 ] && grep -q 'AUTH_JWT_SECRET' "$tmp/token-nosecret"; then
    ok "threadgate token without a secret exits 2 naming AUTH_JWT_SECRET"
else
    not_ok "threadgate token without a secret exits 2 (exit $rc, unset: $rc2)" "$(cat "$tmp/token-nosecret")"
fi

# --- a running server ----------------------------------------------------------------

port=$(free_port)
base="http://127.0.0.1:$port"
echo "e2e: starting threadgate serve on 127.0.0.1:$port with 2 workers"
LOG_LEVEL=info "$bin" serve --host 127.0.0.1 --port "$port" --workers 2 \
    >"$server_log" 2>"$server_err" </dev/null &
server_pid=$!

# Wait (at most 60 s: the machine may still be busy from the build) for /healthz to answer
# {"status":"ok"}.
ready=0
body=""
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    body=$(curl -fsS --max-time 2 "$base/healthz" 2>/dev/null || true)
    if [ -n "$body" ] && python3 -c 'import json, sys; sys.exit(0 if json.loads(sys.argv[1]) == {"status": "ok"} else 1)' "$body" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.2
done
if [ "$ready" -eq 1 ]; then
    ok "GET /healthz answers {\"status\":\"ok\"}"
else
    detail="last body: ${body:-<none>}"
    kill -0 "$server_pid" 2>/dev/null || detail+=$'\nserver exited early'
    detail+=$'\n'"$(tail -n 10 "$server_err" 2>/dev/null)"
    not_ok "GET /healthz answers {\"status\":\"ok\"} within 60 s" "$detail"
fi

# 404 with the upstream-style error shape {"error":{"message","type","param","code"}}.
status=$(curl -sS --max-time 5 -o "$tmp/404.body" -w '%{http_code}' "$base/no/such/path" 2>"$tmp/404.err" || true)
if [ "$status" = 404 ] && python3 - "$tmp/404.body" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
err = d["error"]
sys.exit(0 if isinstance(err, dict) and "code" in err else 1)
PY
then
    ok "unknown path answers 404 with a JSON error carrying \"error\" and \"code\""
else
    not_ok "unknown path answers 404 with a JSON error carrying \"error\" and \"code\" (status ${status:-none})" \
        "$(cat "$tmp/404.body" "$tmp/404.err" 2>/dev/null)"
fi

# X-Request-Id sent by the client comes back in the response.
curl -sS --max-time 5 -D "$tmp/rid.headers" -o /dev/null -H 'X-Request-Id: abc123' "$base/healthz" 2>/dev/null || true
if tr -d '\r' <"$tmp/rid.headers" | grep -qi '^x-request-id: abc123$'; then
    ok "X-Request-Id sent by the client is echoed"
else
    not_ok "X-Request-Id sent by the client is echoed" "$(cat "$tmp/rid.headers" 2>/dev/null)"
fi

# Logs: every stdout line is one JSON object; a "listening" line names the port; a request
# line for /healthz exists. Request lines may be written just after the response: poll.
check_logs() {
    python3 - "$server_log" "$port" <<'PY'
import json, sys
path, port = sys.argv[1], int(sys.argv[2])
bad, listening, healthz, rid = [], False, False, False
with open(path, encoding="utf-8", errors="replace") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except ValueError:
            bad.append(f"line {n}: {line.rstrip()[:200]}")
            continue
        if not isinstance(d, dict):
            bad.append(f"line {n}: not an object")
            continue
        if d.get("msg") == "listening" and str(d.get("port")) == str(port):
            listening = True
        if d.get("path") == "/healthz" and d.get("method") == "GET" and str(d.get("status")) == "200":
            healthz = True
        if d.get("path") == "/healthz" and d.get("request_id") == "abc123":
            rid = True
print("json" if not bad else "notjson")
print("listening" if listening else "nolistening")
print("healthz" if healthz else "nohealthz")
print("rid" if rid else "norid")
for b in bad[:10]:
    print("#", b)
PY
}
log_result=""
deadline=$((SECONDS + 20))
while :; do
    log_result=$(check_logs 2>&1 || true)
    if grep -qx healthz <<<"$log_result" && grep -qx rid <<<"$log_result"; then
        break
    fi
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 0.2
done
if grep -qx json <<<"$log_result"; then
    ok "every stdout log line is a JSON object"
else
    not_ok "every stdout log line is a JSON object" "$(grep '^#' <<<"$log_result")"
fi
if grep -qx listening <<<"$log_result"; then
    ok "a {\"msg\":\"listening\",\"port\":$port} log line is written at start"
else
    not_ok "a {\"msg\":\"listening\",\"port\":$port} log line is written at start" "$(head -n 5 "$server_log")"
fi
if grep -qx healthz <<<"$log_result"; then
    ok "a JSON request log line for GET /healthz with status 200 is written"
else
    not_ok "a JSON request log line for GET /healthz with status 200 is written" "$(tail -n 5 "$server_log")"
fi
if grep -qx rid <<<"$log_result"; then
    ok "the request log line carries the client's X-Request-Id as request_id"
else
    not_ok "the request log line carries the client's X-Request-Id as request_id" "$(tail -n 5 "$server_log")"
fi

# SIGTERM: the server exits 0 within 15 s.
if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    deadline=$((SECONDS + 15))
    while kill -0 "$server_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        not_ok "SIGTERM stops the server within 15 s (had to SIGKILL it)" "$(tail -n 10 "$server_err")"
    else
        rc=0
        wait "$server_pid" || rc=$?
        if [ "$rc" -eq 0 ]; then
            ok "SIGTERM stops the server with exit status 0"
        else
            not_ok "SIGTERM stops the server with exit status 0 (exit $rc)" "$(tail -n 10 "$server_err")"
        fi
    fi
else
    rc=0
    wait "$server_pid" || rc=$?
    not_ok "SIGTERM stops the server with exit status 0 (it had already exited, status $rc)" \
        "$(tail -n 10 "$server_err")"
fi
server_pid=""

# --- threadgate dev: one command, a working system -------------------------------------
# In a fresh temp directory: `threadgate dev` creates .threadgate/pg, applies migrations,
# starts the simulator and serves (/readyz 200); the user token it prints creates a thread (and
# asks, when /openapi.json lists /v1/ask), the admin token lists users; SIGINT stops the
# gateway, the simulator, then the cluster (exit 0, no postmaster left); a second run reuses the
# cluster, its data and the token secret (the first run's token still lists the first run's
# thread). Skipped when no PostgreSQL server package is installed.
dev_dir=""
dev_pid=""
dev_cleanup() {
    if [ -n "$dev_pid" ] && kill -0 "$dev_pid" 2>/dev/null; then
        kill -INT "$dev_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$dev_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$dev_pid" 2>/dev/null || true
    fi
    local pidfile="$dev_dir/.threadgate/pg/data/postmaster.pid"
    if [ -n "$dev_dir" ] && [ -f "$pidfile" ]; then
        kill -INT "$(head -n 1 "$pidfile")" 2>/dev/null || true   # fast shutdown of a leftover cluster
        sleep 1
    fi
    if [ -n "$dev_dir" ]; then rm -rf "$dev_dir"; fi
}
trap 'dev_cleanup; cleanup' EXIT

# dev_start N: starts `threadgate dev` in $dev_dir (output in $dev_dir/out.N, err.N) and
# waits (at most 120 s: initdb runs on the first start) for /readyz to answer 200.
dev_start() {
    local n=$1 deadline
    # Settings from the caller's environment would replace what dev sets up itself.
    (cd "$dev_dir" && exec env -u UPSTREAM_BASE_URL -u UPSTREAM_API_KEY -u ASSISTANT_ID -u ASSISTANT_ALLOWLIST \
        -u AUTH_JWT_SECRET -u AUTH_JWKS_FILE -u AUTH_JWKS_URL -u AUTH_ISSUER -u AUTH_AUDIENCE \
        "$bin" dev --port "$dev_port" --simulator-port "$dev_sim_port" --workers 1 \
        >"$dev_dir/out.$n" 2>"$dev_dir/err.$n" </dev/null) &
    dev_pid=$!
    deadline=$((SECONDS + 120))
    while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$dev_pid" 2>/dev/null; do
        if [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$dev_port/readyz" 2>/dev/null)" = 200 ]; then
            return 0
        fi
        sleep 0.3
    done
    return 1
}

# dev_stop: SIGINT, then waits (at most 60 s); sets dev_rc to the exit status (KILLED if it
# had to be killed). Not for $(...): `wait` works only in the shell that started the process.
dev_rc=""
dev_stop() {
    local deadline
    dev_rc=0
    kill -INT "$dev_pid" 2>/dev/null || true
    deadline=$((SECONDS + 60))
    while kill -0 "$dev_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if kill -0 "$dev_pid" 2>/dev/null; then
        kill -KILL "$dev_pid" 2>/dev/null || true
        wait "$dev_pid" 2>/dev/null || true
        dev_rc=KILLED
    else
        wait "$dev_pid" || dev_rc=$?
    fi
    dev_pid=""
}

# gone PID: true once PID has exited (allowing 5 s for it to be reaped).
gone() {
    local _
    for _ in $(seq 1 50); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "e2e: skipping threadgate dev checks (no PostgreSQL server under /usr/lib/postgresql)"
else
    dev_dir=$(mktemp -d /tmp/tg-e2e-dev.XXXXXX)
    chmod 755 "$dev_dir"   # as root the cluster runs as postgres, which must enter this directory
    dev_port=$(free_port)
    dev_sim_port=$(free_port)
    dev_url="http://127.0.0.1:$dev_port"
    dev_psql=(psql -X -q -At "host=$dev_dir/.threadgate/pg/socket user=postgres dbname=threadgate")
    echo "e2e: starting threadgate dev in $dev_dir on port $dev_port"

    if dev_start 1; then
        ok "threadgate dev (first run) creates its cluster and /readyz answers 200"
    else
        not_ok "threadgate dev (first run) creates its cluster and /readyz answers 200 within 120 s" \
            "$(cat "$dev_dir/out.1" 2>/dev/null; tail -n 10 "$dev_dir/err.1" 2>/dev/null)"
    fi
    if grep -q "serving on http://127.0.0.1:$dev_port" "$dev_dir/out.1"; then
        ok "threadgate dev prints the URL it serves on"
    else
        not_ok "threadgate dev prints the URL it serves on" "$(cat "$dev_dir/out.1")"
    fi
    if "${dev_psql[@]}" -c 'CREATE TABLE e2e_marker (id int)' >/dev/null 2>"$tmp/dev.psql"; then
        ok "the dev database is reachable on its unix socket"
    else
        not_ok "the dev database is reachable on its unix socket" "$(cat "$tmp/dev.psql")"
    fi
    # The tokens dev prints, as lines to paste: `export TOKEN=...`, `export ADMIN_TOKEN=...`.
    dev_token=$(sed -n 's/^export TOKEN=//p' "$dev_dir/out.1" | head -n 1)
    dev_admin=$(sed -n 's/^export ADMIN_TOKEN=//p' "$dev_dir/out.1" | head -n 1)
    if [[ "$dev_token" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] && [ -n "$dev_admin" ] \
        && grep -q "/v1/ask" "$dev_dir/out.1" && grep -q "OpenAI(base_url=\"$dev_url/v1\"" "$dev_dir/out.1"; then
        ok "threadgate dev prints a user token, an admin token and examples (curl, OpenAI SDK)"
    else
        not_ok "threadgate dev prints a user token, an admin token and examples (curl, OpenAI SDK)" "$(cat "$dev_dir/out.1")"
    fi
    if grep -q "simulator on http://127.0.0.1:$dev_sim_port/v1" "$dev_dir/out.1" \
        && [ "$(stat -c %a "$dev_dir/.threadgate/jwt-secret" 2>/dev/null)" = 600 ] \
        && [ "$(stat -c %a "$dev_dir/.threadgate/upstream-api-key" 2>/dev/null)" = 600 ]; then
        ok "threadgate dev starts the simulator on --simulator-port and keeps its secrets in 0600 files"
    else
        not_ok "threadgate dev starts the simulator on --simulator-port and keeps its secrets in 0600 files" \
            "$(cat "$dev_dir/out.1"; ls -l "$dev_dir/.threadgate" 2>&1)"
    fi
    # A thread through the gateway, the simulator behind it and the dev database.
    status=$(curl -sS --max-time 10 -o "$tmp/dev-thread.body" -w '%{http_code}' -X POST "$dev_url/v1/threads" \
        -H "Authorization: Bearer $dev_token" -H 'Content-Type: application/json' -d '{"title":"e2e"}' 2>&1 || true)
    dev_thread=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/dev-thread.body" 2>/dev/null || true)
    if [ "$status" = 200 ] && [ -n "$dev_thread" ]; then
        ok "the printed user token creates a thread (POST /v1/threads → 200, id $dev_thread)"
    else
        not_ok "the printed user token creates a thread (POST /v1/threads → ${status:-none})" \
            "$(cat "$tmp/dev-thread.body" 2>/dev/null; tail -n 5 "$dev_dir/err.1")"
    fi
    # The ask endpoint, when this build has it: GET /openapi.json lists it, or (while the
    # document lags the router) an unauthenticated POST /v1/ask is refused rather than unknown.
    ask_probe=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST "$dev_url/v1/ask" 2>/dev/null || true)
    if curl -s --max-time 5 "$dev_url/openapi.json" \
        | python3 -c 'import json, sys; sys.exit(0 if "/v1/ask" in json.load(sys.stdin)["paths"] else 1)' 2>/dev/null \
        || [ "$ask_probe" = 401 ]; then
        status=$(curl -sS --max-time 30 -o "$tmp/dev-ask.body" -w '%{http_code}' -X POST "$dev_url/v1/ask" \
            -H "Authorization: Bearer $dev_token" -H 'Content-Type: application/json' \
            -d '{"content":"Hello!","wait_ms":20000}' 2>&1 || true)
        if [ "$status" = 200 ] && python3 - "$tmp/dev-ask.body" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
texts = [part["text"]["value"] for m in d["messages"] if m["role"] == "assistant" for part in m["content"] if part["type"] == "text"]
sys.exit(0 if d["thread_id"] and d["run"]["status"] == "completed" and any("Hello!" in t for t in texts) else 1)
PY
        then
            ok "POST /v1/ask with the printed token answers 200 with the simulator's reply"
        else
            not_ok "POST /v1/ask with the printed token answers 200 with the simulator's reply (status ${status:-none})" \
                "$(cat "$tmp/dev-ask.body" 2>/dev/null)"
        fi
    else
        echo "e2e: /v1/ask is not in this build's /openapi.json; the ask check is skipped"
    fi
    status=$(curl -sS --max-time 10 -o "$tmp/dev-users.body" -w '%{http_code}' "$dev_url/admin/v1/users" \
        -H "Authorization: Bearer $dev_admin" 2>&1 || true)
    if [ "$status" = 200 ] && grep -q '"dev-user"' "$tmp/dev-users.body"; then
        ok "the printed admin token lists users (dev-user among them)"
    else
        not_ok "the printed admin token lists users (GET /admin/v1/users → ${status:-none})" "$(cat "$tmp/dev-users.body" 2>/dev/null)"
    fi
    postmaster=$(head -n 1 "$dev_dir/.threadgate/pg/data/postmaster.pid" 2>/dev/null || true)
    dev_stop
    if [ "$dev_rc" = 0 ]; then
        ok "SIGINT stops threadgate dev with exit status 0"
    else
        not_ok "SIGINT stops threadgate dev with exit status 0 (exit $dev_rc)" "$(tail -n 10 "$dev_dir/err.1")"
    fi
    if [ -n "$postmaster" ] && gone "$postmaster" && [ ! -f "$dev_dir/.threadgate/pg/data/postmaster.pid" ]; then
        ok "the dev cluster's postmaster is gone after threadgate dev exits"
    else
        not_ok "the dev cluster's postmaster is gone after threadgate dev exits (pid '${postmaster:-none}')" \
            "$(cat "$dev_dir/out.1")"
    fi
    if ! curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$dev_sim_port/v1/assistants" 2>/dev/null \
        && grep -q "simulator stopped" "$dev_dir/out.1"; then
        ok "the in-process simulator is stopped with threadgate dev"
    else
        not_ok "the in-process simulator is stopped with threadgate dev" "$(tail -n 5 "$dev_dir/out.1")"
    fi

    if dev_start 2 && grep -q "reusing" "$dev_dir/out.2"; then
        ok "a second threadgate dev reuses the cluster and /readyz answers 200"
    else
        not_ok "a second threadgate dev reuses the cluster and /readyz answers 200" \
            "$(cat "$dev_dir/out.2" 2>/dev/null; tail -n 10 "$dev_dir/err.2" 2>/dev/null)"
    fi
    if [ "$("${dev_psql[@]}" -c "SELECT to_regclass('e2e_marker') IS NOT NULL" 2>/dev/null)" = t ]; then
        ok "the data of the first run is still there"
    else
        not_ok "the data of the first run is still there"
    fi
    status=$(curl -sS --max-time 10 -o "$tmp/dev-list.body" -w '%{http_code}' "$dev_url/v1/threads" \
        -H "Authorization: Bearer $dev_token" 2>&1 || true)
    if [ "$status" = 200 ] && [ -n "$dev_thread" ] && grep -q "\"$dev_thread\"" "$tmp/dev-list.body"; then
        ok "the first run's token still works after a restart and lists the first run's thread"
    else
        not_ok "the first run's token still works after a restart and lists the first run's thread (status ${status:-none})" \
            "$(cat "$tmp/dev-list.body" 2>/dev/null)"
    fi
    dev_stop
    if [ "$dev_rc" = 0 ] && [ ! -f "$dev_dir/.threadgate/pg/data/postmaster.pid" ]; then
        ok "the second threadgate dev stops cleanly (exit 0, cluster stopped)"
    else
        not_ok "the second threadgate dev stops cleanly (exit $dev_rc)" "$(cat "$dev_dir/out.2")"
    fi
fi
# --- end of threadgate dev checks --------------------------------------------------------

# --- tests/e2e/*.sh: scenarios over real processes and a database --------------------------
# Each script starts what it needs (the simulator, a gateway, a fresh database made from
# TEST_DATABASE_URL), prints its own `ok`/`not ok` lines, and counts here as one check. Without
# TEST_DATABASE_URL (scripts/test.sh exports it after its pg step) they are skipped.
for script in tests/e2e/*.sh; do
    [ -e "$script" ] || continue
    if [ -z "${TEST_DATABASE_URL:-}" ]; then
        echo "e2e: skipping $script (TEST_DATABASE_URL is not set)"
        continue
    fi
    echo "e2e: running $script"
    if THREADGATE_BIN="$bin" bash "$script"; then
        ok "$script"
    else
        not_ok "$script (its failed checks are above)"
    fi
done

# --- the configuration reference ----------------------------------------------------------
if config_docs=$(scripts/check-config-docs.sh 2>&1); then
    ok "README.md's configuration reference lists exactly the environment variables the sources read"
else
    not_ok "README.md's configuration reference lists exactly the environment variables the sources read" "$config_docs"
fi

echo "e2e: server logs: ${server_log#"$repo_root"/}, ${server_err#"$repo_root"/}"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
