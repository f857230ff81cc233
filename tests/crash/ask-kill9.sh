#!/usr/bin/env bash
# Crash drill for ask-and-wait: `kill -9` of threadgate in the middle of an ask.
#
#   tests/crash/ask-kill9.sh        # needs TEST_DATABASE_URL (scripts/pg-test-cluster.sh start)
#
# Starts the simulator and a gateway (real processes, loopback, a fresh database), sends an ask
# whose run takes 3 s, kills the gateway with SIGKILL as soon as the run exists (created upstream
# and recorded in the runs table), starts a new gateway on the same database, and checks: the run
# is retrievable and completes, its reply is there, the runs table has it, and the thread takes a
# new ask (the dead instance's turn is reconciled with the upstream run). Prints `ok - …` /
# `not ok - …` and `crash: N passed, M failed`.
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
database="crash_$$_$RANDOM"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    psql "$TEST_DATABASE_URL" -qXc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1${2:+: $2}"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
# wait_listening PORT: at most 60 s (`serve --migrate` migrates before it listens, and the
# machine may be busy).
wait_listening() {
    local deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do
        # Any HTTP answer means it listens (the simulator has no /healthz).
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

export UPSTREAM_API_KEY="sk-crash-drill"
export AUTH_JWT_SECRET="crash-drill-secret-0123456789abcdefghij"
sim_port=$(free_port)
"$bin" simulate --port "$sim_port" >"$log_dir/crash-sim.log" 2>&1 &
pids+=($!)
disown
wait_listening "$sim_port" || { echo "crash: the simulator did not start"; exit 1; }

gw_port=$(free_port)
start_gateway() {
    DATABASE_URL="$database_url" UPSTREAM_BASE_URL="http://127.0.0.1:$sim_port/v1" ASSISTANT_ID=asst_default \
        PORT="$gw_port" WORKERS=1 "$bin" serve --migrate >>"$log_dir/crash-gateway.log" 2>&1 &
    gateway_pid=$!
    pids+=("$gateway_pid")
    disown
    wait_listening "$gw_port"
}
start_gateway || { echo "crash: the gateway did not start"; exit 1; }

token=$("$bin" token --user crash-user 2>/dev/null | tail -n 1)
auth="Authorization: Bearer $token"
base="http://127.0.0.1:$gw_port"
thread=$(curl -fsS -X POST "$base/v1/threads" -H "$auth" -d '{}' | json 'd["id"]')

# The ask whose gateway dies under it.
curl -sS -X POST "$base/v1/threads/$thread/ask" -H "$auth" \
    -d '{"content":"survive a crash [[slow:3000]]","wait_ms":20000}' >"$log_dir/crash-ask.out" 2>&1 &
ask_pid=$!
# Mid-ask means the run exists: wait (at most 30 s) for the gateway to have recorded it, then kill.
# Its run lasts 3 s from then, so the ask is still waiting when the gateway dies.
run_started=0
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
    if [ "$(psql "$database_url" -qXtAc "SELECT count(*) FROM runs" 2>/dev/null || true)" = 1 ]; then
        run_started=1
        break
    fi
    sleep 0.05
done
[ "$run_started" = 1 ] && ok "the ask started its run" || not_ok "the ask started no run within 30 s" "$(tail -n 5 "$log_dir/crash-gateway.log")"
kill -KILL "$gateway_pid"
wait "$ask_pid" 2>/dev/null && not_ok "the ask's connection should have died with the gateway" || ok "kill -9 mid-ask cut the waiting connection"

start_gateway && ok "a new gateway starts on the same database" || not_ok "restart"

# First a new ask: the dead instance still holds the thread in the database, so this ask waits
# for its turn, which comes when the reconciliation sees the old run end upstream.
answer=$(curl -sS -o "$log_dir/crash-next.out" -w '%{http_code}' -X POST "$base/v1/threads/$thread/ask" -H "$auth" -d '{"content":"next turn","wait_ms":20000}')
next_status=$(json 'd.get("status")' <"$log_dir/crash-next.out" 2>/dev/null || true)
if [ "$answer" = 200 ] && [ "$next_status" = completed ]; then
    ok "a new ask on the thread waits its turn and completes (the dead instance's run was reconciled)"
else
    not_ok "new ask" "HTTP $answer $(head -c 300 "$log_dir/crash-next.out")"
fi


runs=$(curl -fsS "$base/v1/threads/$thread/runs?order=asc" -H "$auth")
run_id=$(printf '%s' "$runs" | json 'd["data"][0]["id"] if d["data"] else ""')
if [ -n "$run_id" ]; then ok "the run is retrievable after the crash ($run_id)"; else not_ok "no run listed" "$runs"; fi

status=""
for _ in $(seq 1 100); do
    status=$(curl -fsS "$base/v1/threads/$thread/runs/$run_id" -H "$auth" | json 'd["status"]')
    [ "$status" = completed ] && break
    sleep 0.1
done
[ "$status" = completed ] && ok "the run completed upstream" || not_ok "run status" "$status"

reply=$(curl -fsS "$base/v1/threads/$thread/messages?run_id=$run_id" -H "$auth" | json 'd["data"][0]["content"][0]["text"]["value"]')
case "$reply" in *"survive a crash"*) ok "its reply is there" ;; *) not_ok "reply" "$reply" ;; esac

recorded=$(psql "$database_url" -qXtAc "SELECT status FROM runs WHERE upstream_run_id = '$run_id'")
[ "$recorded" = completed ] && ok "the runs table has it as completed" || not_ok "runs table" "$recorded"

echo "crash: $passed passed, $failed failed"
[ "$failed" = 0 ]
