#!/usr/bin/env bash
# End to end: `threadgate migrate-threads` moving Assistants threads to Responses conversations.
#
#   tests/e2e/migrate-threads.sh        # needs TEST_DATABASE_URL (scripts/pg-test-cluster.sh start)
#
# Real processes on loopback and a fresh database: `threadgate simulate` (both upstream APIs) and
# `threadgate serve --migrate` on the Assistants dialect. Threads are made through the gateway (one
# with a history longer than one items request, one with a run, one whose upstream thread is then
# deleted), then the binary runs `migrate-threads --all --dry-run`, `--all` and again, and the
# output, the exit statuses and the data (thread rows, thread_migrations, the messages the gateway
# lists, an ask on a moved thread) are checked. Prints `ok - …` / `not ok - …` and
# `migrate-threads: N passed, M failed`; exits 1 if any check failed. The command's output of the
# main run is kept in .build-logs/e2e-migrate-threads.out, the servers' logs next to it.
# THREADGATE_BIN=/path/to/threadgate skips the build.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL (eval \"\$(scripts/pg-test-cluster.sh start)\")}"

bin="${THREADGATE_BIN:-}"
if [ -z "$bin" ]; then
    swift build --product threadgate >/dev/null
    bin="$(swift build --show-bin-path)/threadgate"
fi

log_dir="$PWD/.build-logs"
mkdir -p "$log_dir"
database="e2e_migrate_$$_$RANDOM"
tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    psql "$TEST_DATABASE_URL" -qXc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    if [ $# -gt 1 ] && [ -n "$2" ]; then printf '%s\n' "$2" | head -n 20 | sed 's/^/#   /'; fi
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
# wait_listening PORT: true once anything answers HTTP on PORT (at most 60 s: `serve --migrate`
# migrates before it listens, and the machine may be busy).
wait_listening() {
    local deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do
        [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz")" != 000 ] && return 0
        sleep 0.1
    done
    return 1
}

psql "$TEST_DATABASE_URL" -qXc "CREATE DATABASE $database" >/dev/null
database_url=$(python3 -c '
import sys
url, name = sys.argv[1], sys.argv[2]
if "://" in url:
    scheme, rest = url.split("://", 1)
    hosts, _, tail = rest.partition("/")
    _, mark, query = tail.partition("?")
    print(scheme + "://" + hosts + "/" + name + mark + query)
else:
    print(url + " dbname=" + name)' "$TEST_DATABASE_URL" "$database")
sql() { psql "$database_url" -qXtAc "$1"; }

# The environment serve and migrate-threads share, as a deployment would.
sim_port=$(free_port)
gw_port=$(free_port)
cat >"$tmp/profiles.json" <<'JSON'
{"asst_default": {"model": "gpt-4o", "instructions": "Echo the last user message."}}
JSON
export UPSTREAM_API_KEY="sk-e2e-migrate"
export AUTH_JWT_SECRET="e2e-migrate-secret-0123456789abcdefghij"
export DATABASE_URL="$database_url"
export UPSTREAM_BASE_URL="http://127.0.0.1:$sim_port/v1"
export ASSISTANT_ID=asst_default
export RESPONSES_PROFILES_FILE="$tmp/profiles.json"
unset UPSTREAM_DIALECT PORT WORKERS LOG_LEVEL

"$bin" simulate --port "$sim_port" --run-duration-ms 50 >"$log_dir/e2e-migrate-sim.log" 2>&1 &
pids+=($!)
wait_listening "$sim_port" || { echo "migrate-threads: the simulator did not start"; exit 1; }
PORT="$gw_port" WORKERS=1 "$bin" serve --migrate >"$log_dir/e2e-migrate-gateway.log" 2>&1 &
pids+=($!)
wait_listening "$gw_port" || { echo "migrate-threads: the gateway did not start"; exit 1; }
base="http://127.0.0.1:$gw_port"

alice="Authorization: Bearer $("$bin" token --user alice 2>/dev/null | tail -n 1)"
bob="Authorization: Bearer $("$bin" token --user bob 2>/dev/null | tail -n 1)"
new_thread() {
    local body=${2:-}
    [ -n "$body" ] || body='{}'
    curl -fsS -X POST "$base/v1/threads" -H "$1" -H 'Content-Type: application/json' -d "$body" | json 'd["id"]'
}
post_message() {
    curl -fsS -o /dev/null -X POST "$base/v1/threads/$2/messages" -H "$1" -H 'Content-Type: application/json' \
        -d "{\"role\":\"$3\",\"content\":\"$4\"}"
}
# The texts the gateway lists for a thread, oldest first, as role:text lines.
texts() {
    curl -fsS "$base/v1/threads/$2/messages?order=asc&limit=100" -H "$1" \
        | python3 -c 'import json,sys; [print(m["role"] + ":" + "".join(p["text"]["value"] for p in m["content"] if p["type"] == "text")) for m in json.load(sys.stdin)["data"]]'
}

# Alice: a long thread (25 messages: more than one items request) and one with an asked run;
# Bob: a short thread, and one whose upstream thread the old API no longer has.
long=$(new_thread "$alice" '{"title":"long","metadata":{"topic":"billing"}}')
for i in $(seq -w 1 25); do
    if [ $((10#$i % 2)) = 1 ]; then post_message "$alice" "$long" user "question $i"; else post_message "$alice" "$long" assistant "answer $i"; fi
done
texts "$alice" "$long" >"$tmp/long.before"
asked=$(curl -fsS -X POST "$base/v1/ask" -H "$alice" -H 'Content-Type: application/json' -d '{"content":"before the move","wait_ms":20000}')
asked_thread=$(printf '%s' "$asked" | json 'd["thread_id"]')
asked_run=$(printf '%s' "$asked" | json 'd["run"]["id"]')
short=$(new_thread "$bob")
post_message "$bob" "$short" user "hello from bob"
gone=$(new_thread "$bob")
gone_upstream=$(sql "SELECT upstream_thread_id FROM threads WHERE id = '$gone'")
curl -fsS -o /dev/null -X DELETE "http://127.0.0.1:$sim_port/v1/threads/$gone_upstream" \
    -H "Authorization: Bearer $UPSTREAM_API_KEY" -H 'OpenAI-Beta: assistants=v2'
if [ "$(wc -l <"$tmp/long.before")" = 25 ] && [ -n "$asked_run" ]; then
    ok "four Assistants threads made through the gateway (25 messages, an asked run, one upstream-deleted)"
else
    not_ok "threads made through the gateway" "$(cat "$tmp/long.before")"
fi

# run ARGS...: migrate-threads with a 120 s bound; output in $tmp/out, status in $rc.
run() {
    rc=0
    timeout -k 5 120 "$bin" migrate-threads "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
}

run
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && grep -q -- '--thread' "$tmp/err"; then
    ok "migrate-threads without a selection is refused naming --thread/--user/--all (exit $rc)"
else
    not_ok "migrate-threads without a selection is refused (exit $rc)" "$(cat "$tmp/out" "$tmp/err")"
fi
rc=0
env -u DATABASE_URL timeout 20 "$bin" migrate-threads --all >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
if [ "$rc" = 2 ] && grep -q DATABASE_URL "$tmp/err"; then
    ok "migrate-threads without DATABASE_URL exits 2 naming it"
else
    not_ok "migrate-threads without DATABASE_URL exits 2 (exit $rc)" "$(cat "$tmp/out" "$tmp/err")"
fi

run --all --dry-run
if [ "$rc" = 0 ] && [ "$(grep -c '^would migrate' "$tmp/out")" = 4 ] \
    && grep -qx 'migrate-threads --dry-run: 4 threads: 4 would be migrated, 0 busy now, 0 already moved or not applicable, 0 not found' "$tmp/out" \
    && [ "$(sql "SELECT count(*) FROM threads WHERE upstream_dialect = 'assistants'")" = 4 ] \
    && [ "$(sql "SELECT count(*) FROM thread_migrations")" = 0 ]; then
    ok "--all --dry-run lists the four threads and changes nothing"
else
    not_ok "--all --dry-run lists the four threads and changes nothing (exit $rc)" "$(cat "$tmp/out" "$tmp/err")"
fi

run --all --concurrency 3
cp "$tmp/out" "$log_dir/e2e-migrate-threads.out"
summary='migrate-threads: 4 threads: 3 migrated, 0 already migrated, 0 skipped, 0 not applicable, 1 failed; 28 messages copied'
if [ "$rc" = 1 ] && grep -qx "$summary" "$tmp/out" && [ "$(grep -c '^migrated ' "$tmp/out")" = 3 ] \
    && grep -q "^migrated .*$long .*25 of 25 messages copied" "$tmp/out" \
    && grep -q "^FAILED .*$gone source_not_found" "$tmp/out"; then
    ok "--all migrates three threads, reports the unreadable one as FAILED source_not_found, exits 1"
else
    not_ok "--all migrates three threads and reports the unreadable one (exit $rc)" "$(cat "$tmp/out" "$tmp/err")"
fi

rows=$(sql "SELECT t.id || ' ' || t.upstream_dialect || ' ' || m.status || ' ' || coalesce(m.error_code, '-') || ' ' || m.copied_count || ' ' || coalesce((m.to_upstream_thread_id = t.upstream_thread_id)::text, 'none') FROM threads t JOIN thread_migrations m ON m.thread_id = t.id ORDER BY t.id")
expected_rows=$(printf '%s\n' "$long responses migrated - 25 true" "$asked_thread responses migrated - 2 true" \
    "$short responses migrated - 1 true" | sort)
failed_row=$(sql "SELECT upstream_dialect || ' ' || upstream_thread_id FROM threads WHERE id = '$gone'")
if [ "$(printf '%s\n' "$rows" | grep -v "^$gone " | sort)" = "$expected_rows" ] \
    && [ "$(sql "SELECT status || ' ' || error_code || ' ' || (to_upstream_thread_id IS NULL)::text FROM thread_migrations WHERE thread_id = '$gone'")" = "failed source_not_found true" ] \
    && [ "$failed_row" = "assistants $gone_upstream" ]; then
    ok "thread rows point at their conversations, thread_migrations links them; the failed thread is untouched"
else
    not_ok "the data after the run" "$rows"$'\n'"$failed_row"
fi

texts "$alice" "$long" >"$tmp/long.after"
conversation=$(sql "SELECT upstream_thread_id FROM threads WHERE id = '$long'")
owner=$(curl -fsS "http://127.0.0.1:$sim_port/v1/conversations/$conversation" -H "Authorization: Bearer $UPSTREAM_API_KEY" \
    | json 'd["metadata"]["threadgate_owner"] + " " + d["metadata"]["threadgate_thread"] + " " + d["metadata"]["topic"]')
if cmp -s "$tmp/long.before" "$tmp/long.after" && [ "$owner" = "alice $long billing" ]; then
    ok "the frontend lists the same 25 messages, in order with their roles; the conversation carries the owner keys"
else
    not_ok "the same messages after the move" "$(diff "$tmp/long.before" "$tmp/long.after"; echo "metadata: $owner")"
fi

answer=$(curl -sS -o "$tmp/ask" -w '%{http_code}' -X POST "$base/v1/threads/$long/ask" -H "$alice" \
    -H 'Content-Type: application/json' -d '{"content":"after the move","wait_ms":20000}')
if [ "$answer" = 200 ] && [ "$(json 'd["status"]' <"$tmp/ask")" = completed ] \
    && json 'd["messages"][0]["content"][0]["text"]["value"]' <"$tmp/ask" | grep -q "after the move" \
    && json 'd["run"]["id"]' <"$tmp/ask" | grep -q '^resp_'; then
    ok "an ask on a moved thread completes over the Responses API"
else
    not_ok "an ask on a moved thread (HTTP $answer)" "$(head -c 400 "$tmp/ask")"
fi

old_run=$(curl -sS -o "$tmp/run" -w '%{http_code}' "$base/v1/threads/$asked_thread/runs/$asked_run" -H "$alice")
steps=$(curl -sS -o "$tmp/steps" -w '%{http_code}' "$base/v1/threads/$asked_thread/runs/$asked_run/steps" -H "$alice")
if [ "$old_run" = 200 ] && [ "$(json 'd["status"]' <"$tmp/run")" = completed ] && [ "$steps" = 410 ] \
    && [ "$(json 'd["error"]["code"]' <"$tmp/steps")" = run_migrated ]; then
    ok "the old run id answers from threadgate's record; its steps answer 410 run_migrated"
else
    not_ok "the old run id (run $old_run, steps $steps)" "$(cat "$tmp/run" "$tmp/steps")"
fi

run --all
if [ "$rc" = 1 ] && grep -qx 'migrate-threads: 1 thread: 0 migrated, 0 already migrated, 0 skipped, 0 not applicable, 1 failed; 0 messages copied' "$tmp/out" \
    && [ "$(sql "SELECT attempts FROM thread_migrations WHERE thread_id = '$gone'")" = 2 ] \
    && [ "$(sql "SELECT attempts FROM thread_migrations WHERE thread_id = '$long'")" = 1 ]; then
    ok "running --all again touches only the thread still on the Assistants API"
else
    not_ok "running --all again (exit $rc)" "$(cat "$tmp/out" "$tmp/err")"
fi
run --thread "$long" --thread "$short"
if [ "$rc" = 0 ] && [ "$(grep -c '^already migrated' "$tmp/out")" = 2 ]; then
    ok "--thread on moved threads: already migrated, exit 0"
else
    not_ok "--thread on moved threads (exit $rc)" "$(cat "$tmp/out" "$tmp/err")"
fi

echo "migrate-threads: $passed passed, $failed failed"
[ "$failed" = 0 ]
