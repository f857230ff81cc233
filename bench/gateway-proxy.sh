#!/usr/bin/env bash
# What the gateway adds to a proxied read: GET /v1/threads/{id}/messages through threadgate
# (JWT auth, the ownership lookup in PostgreSQL, the libcurl call to the simulator, the answer
# rewritten with threadgate's thread id) next to the same call straight to the simulator
# (GET /v1/threads/{upstream_thread_id}/messages with the upstream key), in the same run.
#
#   bench/gateway-proxy.sh
#   DURATION=10 ROUNDS=5 BENCH_CONNS="1 16 64 256" WORKERS=1 bench/gateway-proxy.sh
#
# Builds threadgate in release mode (`swift build -c release --product threadgate`, default
# scratch path .build) unless THREADGATE_BIN names a binary. Uses the PostgreSQL server in
# TEST_DATABASE_URL, else starts scripts/pg-test-cluster.sh (and stops it at exit if it was not
# already running), and creates a fresh database there (dropped at exit). Starts
# `threadgate simulate` and `threadgate serve --migrate --workers WORKERS` on free loopback ports
# (LOG_LEVEL=warning: no access log lines), mints a token with `threadgate token`, and through
# the gateway creates one thread with 4 user messages plus one completed run (5 messages). The
# upstream thread id comes from the database (threads.upstream_thread_id, via psql); the script
# checks both URLs list the same message ids. Then for each connection count (BENCH_CONNS) and
# each of ROUNDS rounds, gateway and simulator back to back:
#   BENCH_AUTH='Bearer ...' wrk -tT -cC -dDURATION --timeout 5s -s bench/gateway-proxy.lua URL
# (T = min(C, 2)); the Lua script sets the Authorization header and prints req/s and latency
# percentiles from wrk's `done` callback. Across each gateway run it reads the gateway's CPU
# time (utime+stime of its process group, from /proc) for CPU µs per request.
#
# Environment: DURATION (seconds per run, default 5), WARMUP (seconds per target and
#   connection count, default 1), ROUNDS (default 3; the table shows each figure's median),
#   BENCH_CONNS (default "1 16 64"), WORKERS (the gateway's, default the number of cores),
#   THREADGATE_BIN, TEST_DATABASE_URL.
# Output: one table row per connection count (medians over the rounds) with the added p50
# latency (gateway p50 − simulator p50); every round's figures in a TSV and each wrk output in
# bench/out/ (ignored by git). Exits non-zero if a run failed or saw errors or non-2xx answers.
# All traffic goes to 127.0.0.1; every process started is stopped by its process-group id at
# exit. wrk, the gateway, the simulator and PostgreSQL share the machine's cores.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

duration="${DURATION:-5}"
warmup="${WARMUP:-1}"
rounds="${ROUNDS:-3}"
workers="${WORKERS:-$(nproc)}"
read -r -a conns_list <<<"${BENCH_CONNS:-1 16 64}"
for n in "$duration" "$rounds" "$workers" "${conns_list[@]}"; do
    if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ]; then
        echo "gateway-proxy: DURATION, ROUNDS, WORKERS and BENCH_CONNS take positive integers (got '$n')" >&2
        exit 2
    fi
done
if ! [[ "$warmup" =~ ^[0-9]+$ ]]; then
    echo "gateway-proxy: WARMUP takes a whole number of seconds (got '$warmup')" >&2
    exit 2
fi

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
for tool in wrk curl psql python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "gateway-proxy: $tool missing, running scripts/install-deps.sh"
        bash scripts/install-deps.sh
        break
    fi
done

tmp=$(mktemp -d)
groups_started=()   # process-group ids (their leaders' pids) of the servers we started
started_pg=0
server_url=""       # the PostgreSQL server
db_name=""          # our fresh database on it

# shellcheck disable=SC2317  # only called from cleanup (the EXIT trap)
stop_group() {
    # TERM the whole process group, wait up to 10 s, then KILL it. The leader is signalled
    # by pid too, in case it had not made its group yet.
    local group=$1 _
    kill -TERM -- "-$group" 2>/dev/null || kill -TERM "$group" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 -- "-$group" 2>/dev/null || kill -0 "$group" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$group" 2>/dev/null || true
    kill -KILL "$group" 2>/dev/null || true
    wait "$group" 2>/dev/null || true
}
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local group
    for group in "${groups_started[@]}"; do
        stop_group "$group"
    done
    if [ -n "$db_name" ]; then
        psql -X -q -d "$server_url" -c "DROP DATABASE IF EXISTS \"$db_name\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    if [ "$started_pg" = 1 ]; then
        bash scripts/pg-test-cluster.sh stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Helpers in Python: the thread setup, /proc CPU, wrk RESULT lines, medians and the report.
cat >"$tmp/bench.py" <<'PY'
import json, os, statistics, sys, time, urllib.parse, urllib.request

def call(method, url, auth, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": auth, "OpenAI-Beta": "assistants=v2", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())

def setup(base, token):
    """A thread with 4 user messages and one completed run; prints its threadgate id."""
    auth = f"Bearer {token}"
    messages = [{"role": "user", "content": f"benchmark question {i}: what does the gateway add?"} for i in range(4)]
    thread = call("POST", f"{base}/v1/threads", auth, {"metadata": {"purpose": "bench"}, "messages": messages})
    run = call("POST", f"{base}/v1/threads/{thread['id']}/runs", auth, {})
    deadline = time.monotonic() + 60
    while run["status"] in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.1)
        run = call("GET", f"{base}/v1/threads/{thread['id']}/runs/{run['id']}", auth)
    if run["status"] != "completed":
        sys.exit(f"gateway-proxy: the setup run ended {run['status']}")
    print(thread["id"])

def message_ids(url, auth):
    """The ids a messages list answers, comma-separated."""
    print(",".join(m["id"] for m in call("GET", url, auth)["data"]))

def with_database(url, name):
    if url.startswith(("postgres://", "postgresql://")):
        # Rebuilt by hand: urlunsplit drops the empty host of `postgresql:///db?host=/socket/dir`.
        parts = urllib.parse.urlsplit(url)
        print(f"{parts.scheme}://{parts.netloc}/{name}" + (f"?{parts.query}" if parts.query else ""))
    else:
        print(f"{url} dbname={name}")

def group_ticks(pgid):
    """utime+stime (clock ticks) summed over every process in process group pgid."""
    ticks = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            rest = stat[stat.rindex(")") + 2:].split()
            if int(rest[2]) != pgid:                  # field 5: pgrp
                continue
            ticks += int(rest[11]) + int(rest[12])    # fields 14, 15: utime, stime
        except (OSError, ValueError, IndexError):
            continue
    print(ticks)

def result(path):
    """The RESULT line of a wrk output as: requests req_s p50_ms p99_ms errors."""
    fields = {}
    for line in open(path, errors="replace"):
        if line.startswith("RESULT "):
            fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    if not fields:
        print("0 failed - - -")
        return
    errors = sum(int(fields[k]) for k in ("connect", "read", "write", "timeout", "status"))
    print(fields["requests"], fields["req_s"], f"{int(fields['p50_us']) / 1000:.3f}",
          f"{int(fields['p99_us']) / 1000:.3f}", errors)

def cpu_us(ticks, clk, requests):
    print(f"{ticks / clk * 1e6 / requests:.1f}" if requests else "-")

def report(tsv):
    rows = [line.rstrip("\n").split("\t") for line in open(tsv)][1:]
    runs = {}
    for target, conns, rnd, requests, rps, p50, p99, errors, cpu in rows:
        runs.setdefault((int(conns), target), []).append((rps, p50, p99, errors, cpu))

    def med(values):
        numbers = [float(v) for v in values if v not in ("failed", "-", "")]
        return statistics.median(numbers) if numbers else float("nan")

    hdr = ("conns", "gateway req/s", "p50 ms", "p99 ms", "CPU µs/req", "simulator req/s", "p50 ms", "p99 ms",
           "added p50 ms", "req/s ratio", "errors")
    fmt = "{:>5} | {:>13} {:>7} {:>7} {:>10} | {:>15} {:>7} {:>7} | {:>12} {:>11} {:>6}"
    print(fmt.format(*hdr))
    for conns in sorted({c for c, _ in runs}):
        g = runs.get((conns, "gateway"), [])
        s = runs.get((conns, "simulator"), [])
        g_rps, g50, g99, g_cpu = (med([r[i] for r in g]) for i in (0, 1, 2, 4))
        s_rps, s50, s99 = (med([r[i] for r in s]) for i in (0, 1, 2))
        errors = sum(int(r[3]) for r in g + s if r[3].isdigit())
        print(fmt.format(conns, f"{g_rps:.0f}", f"{g50:.3f}", f"{g99:.3f}", f"{g_cpu:.1f}", f"{s_rps:.0f}",
                         f"{s50:.3f}", f"{s99:.3f}", f"{g50 - s50:+.3f}", f"{g_rps / s_rps:.2f}", errors))

if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "setup":
        setup(*args)
    elif command == "message_ids":
        message_ids(*args)
    elif command == "with_database":
        with_database(*args)
    elif command == "ticks":
        group_ticks(int(args[0]))
    elif command == "result":
        result(args[0])
    elif command == "cpu_us":
        cpu_us(int(args[0]), int(args[1]), int(args[2]))
    elif command == "report":
        report(args[0])
PY
bench_py() { python3 "$tmp/bench.py" "$@"; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_in_group LOG COMMAND...: start COMMAND in the background as the leader of a new
# process group; sets pgid and remembers the group for cleanup.
pgid=""
start_in_group() {
    local log=$1
    shift
    python3 -c 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])' "$@" \
        >"$log" 2>&1 </dev/null &
    pgid=$!
    groups_started+=("$pgid")
    local _
    for _ in $(seq 1 50); do
        [ "$(ps -o pgid= -p "$pgid" 2>/dev/null | tr -d ' ')" = "$pgid" ] && return 0
        sleep 0.1
    done
    return 0
}

# wait_ok URL PGID [CURL ARGS...]: wait at most 30 s for URL to answer 2xx; fail if PGID died.
wait_ok() {
    local url=$1 group=$2 deadline=$((SECONDS + 30))
    shift 2
    while [ "$SECONDS" -lt "$deadline" ]; do
        kill -0 "$group" 2>/dev/null || return 1
        if curl -fsS --max-time 2 -o /dev/null "$@" "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# --- build ----------------------------------------------------------------------------

tg_bin="${THREADGATE_BIN:-}"
if [ -z "$tg_bin" ]; then
    echo "gateway-proxy: building threadgate (release)"
    swift build -c release --product threadgate
    tg_bin="$(swift build -c release --show-bin-path)/threadgate"
fi

out_dir="$repo_root/bench/out"
mkdir -p "$out_dir"
stamp=$(date +%Y%m%d-%H%M%S)
clk_tck=$(getconf CLK_TCK)

# --- PostgreSQL: a fresh database on TEST_DATABASE_URL's server or our own cluster -------

if [ -n "${TEST_DATABASE_URL:-}" ]; then
    server_url=$TEST_DATABASE_URL
else
    if ! bash scripts/pg-test-cluster.sh env >/dev/null 2>&1; then
        started_pg=1
    fi
    pg_line=$(bash scripts/pg-test-cluster.sh start | grep -E "^export TEST_DATABASE_URL=" | tail -n 1 || true)
    server_url=${pg_line#export TEST_DATABASE_URL=}
    server_url=${server_url#\'}
    server_url=${server_url%\'}
    if [ -z "$server_url" ]; then
        echo "gateway-proxy: scripts/pg-test-cluster.sh start gave no TEST_DATABASE_URL" >&2
        exit 1
    fi
fi
db_name="tg_bench_proxy_$(python3 -c 'import secrets; print(secrets.token_hex(6))')"
psql -X -q -v ON_ERROR_STOP=1 -d "$server_url" -c "CREATE DATABASE \"$db_name\"" >/dev/null
db_url=$(bench_py with_database "$server_url" "$db_name")
echo "gateway-proxy: database $db_name"

# --- servers --------------------------------------------------------------------------

upstream_key="sk-bench-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
jwt_secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
sim_port=$(free_port)
start_in_group "$out_dir/gateway-proxy-$stamp-simulator.log" \
    env LOG_LEVEL=warning UPSTREAM_API_KEY="$upstream_key" "$tg_bin" simulate --host 127.0.0.1 --port "$sim_port"
sim_pgid=$pgid
if ! wait_ok "http://127.0.0.1:$sim_port/v1/assistants/asst_default" "$sim_pgid" \
    -H "Authorization: Bearer $upstream_key" -H "OpenAI-Beta: assistants=v2"; then
    echo "gateway-proxy: the simulator did not start; log in bench/out/" >&2
    exit 1
fi

gw_port=$(free_port)
gw_env=(env LOG_LEVEL=warning DATABASE_URL="$db_url" UPSTREAM_BASE_URL="http://127.0.0.1:$sim_port/v1"
    UPSTREAM_API_KEY="$upstream_key" ASSISTANT_ID=asst_default AUTH_JWT_SECRET="$jwt_secret"
    MIGRATIONS_DIR="$repo_root/migrations")
start_in_group "$out_dir/gateway-proxy-$stamp-gateway.log" \
    "${gw_env[@]}" "$tg_bin" serve --migrate --host 127.0.0.1 --port "$gw_port" --workers "$workers"
gw_pgid=$pgid
if ! wait_ok "http://127.0.0.1:$gw_port/readyz" "$gw_pgid"; then
    echo "gateway-proxy: the gateway did not become ready; log in bench/out/" >&2
    tail -n 5 "$out_dir/gateway-proxy-$stamp-gateway.log" >&2 || true
    exit 1
fi
token=$(env AUTH_JWT_SECRET="$jwt_secret" "$tg_bin" token --user bench-user --ttl 1h 2>/dev/null | tail -n 1)

thread_id=$(bench_py setup "http://127.0.0.1:$gw_port" "$token")
upstream_thread_id=$(psql -X -A -t -q -d "$db_url" -v ON_ERROR_STOP=1 \
    -c "SELECT upstream_thread_id FROM threads WHERE id = '$thread_id'")
gw_url="http://127.0.0.1:$gw_port/v1/threads/$thread_id/messages"
sim_url="http://127.0.0.1:$sim_port/v1/threads/$upstream_thread_id/messages"
gw_ids=$(bench_py message_ids "$gw_url" "Bearer $token")
sim_ids=$(bench_py message_ids "$sim_url" "Bearer $upstream_key")
if [ -z "$upstream_thread_id" ] || [ "$gw_ids" != "$sim_ids" ]; then
    echo "gateway-proxy: the gateway and the simulator do not list the same messages" >&2
    echo "  gateway:   $gw_ids" >&2
    echo "  simulator: $sim_ids" >&2
    exit 1
fi
echo "gateway-proxy: gateway 127.0.0.1:$gw_port (workers=$workers) thread $thread_id;" \
    "simulator 127.0.0.1:$sim_port thread $upstream_thread_id; $(tr ',' '\n' <<<"$gw_ids" | wc -l) messages," \
    "$(curl -fsS -H "Authorization: Bearer $token" "$gw_url" | wc -c) bytes through the gateway"

# --- runs -----------------------------------------------------------------------------

lua="$repo_root/bench/gateway-proxy.lua"
tsv="$out_dir/gateway-proxy-$stamp.tsv"
printf 'target\tconns\tround\trequests\treq_s\tp50_ms\tp99_ms\terrors\tgateway_cpu_us_per_req\n' >"$tsv"
any_failed=0
for c in "${conns_list[@]}"; do
    threads=$((c < 2 ? c : 2))
    for target in gateway simulator; do
        case "$target" in
            gateway) url=$gw_url auth="Bearer $token" ;;
            simulator) url=$sim_url auth="Bearer $upstream_key" ;;
        esac
        if [ "$warmup" -gt 0 ]; then
            BENCH_AUTH="$auth" wrk -t"$threads" -c"$c" -d"${warmup}s" --timeout 5s -s "$lua" "$url" >/dev/null 2>&1 || true
        fi
    done
    for r in $(seq 1 "$rounds"); do
        for target in gateway simulator; do
            case "$target" in
                gateway) url=$gw_url auth="Bearer $token" ;;
                simulator) url=$sim_url auth="Bearer $upstream_key" ;;
            esac
            raw="$out_dir/gateway-proxy-$stamp-$target-c$c-r$r.txt"
            echo "gateway-proxy: $target conns=$c round $r/$rounds (${duration}s)"
            ticks0=$(bench_py ticks "$gw_pgid")
            BENCH_AUTH="$auth" wrk -t"$threads" -c"$c" -d"${duration}s" --timeout 5s -s "$lua" "$url" \
                >"$raw" 2>&1 || any_failed=1
            ticks1=$(bench_py ticks "$gw_pgid")
            read -r requests rps p50 p99 errors < <(bench_py result "$raw")
            cpu="-"
            if [ "$target" = gateway ]; then
                cpu=$(bench_py cpu_us "$((ticks1 - ticks0))" "$clk_tck" "$requests")
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$c" "$r" "$requests" "$rps" "$p50" "$p99" \
                "$errors" "$cpu" >>"$tsv"
            if [ "$rps" = failed ] || [ "$errors" != 0 ]; then
                any_failed=1
            fi
        done
    done
done

echo
echo "GET /v1/threads/{id}/messages (5 messages), medians of $rounds rounds of ${duration}s;" \
    "gateway workers=$workers; CPU µs/req is the gateway's own"
bench_py report "$tsv"
echo
echo "gateway-proxy: added p50 = gateway p50 − simulator p50; req/s ratio = gateway/simulator."
echo "gateway-proxy: every round in ${tsv#"$repo_root"/} (wrk outputs and server logs beside it)"
exit "$any_failed"
