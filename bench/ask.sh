#!/usr/bin/env bash
# Ask-and-wait: upstream requests per ask, latency after the run completes, and how many
# waiting asks one gateway process holds.
#
#   bench/ask.sh                                     # about 9 minutes after the release build
#   ASKS=20 CONC_LEVELS=2000 CONC_MODES=stream bench/ask.sh
#   PHASES=3 CONC_LEVELS="1000 10000" bench/ask.sh   # the concurrency phase alone
#
# Builds `threadgate` in release mode, takes a fresh database (TEST_DATABASE_URL's server, else
# a scripts/pg-test-cluster.sh cluster, stopped again if this script started it) and runs:
#
# 1+2. One `threadgate simulate --run-queued-ms 0 --run-duration-ms RUN_MS` (every run takes
#      exactly RUN_MS, default 2000; LOG_LEVEL=info: its access log is a measurement input).
#      For each upstream dialect in DIALECTS ("assistants responses": Assistants v2, then
#      Responses + Conversations, both served by the one simulator), ASKS asks (default 40,
#      ASK_CONC at a time, default 8) each through a gateway with ASK_MODE=stream, then one with
#      ASK_MODE=poll (WORKERS=2, all on the same database), and
#      the seeds' loop straight against the simulator (bench/ask.py seeds: create thread,
#      create message, create run, retrieve every SEED_INTERVAL s (0.5) until terminal, list
#      messages). Upstream requests per ask = the simulator's request counter delta / asks
#      (cross-checked with each answer's `upstream_requests`). Latency after completion = the
#      client's receive time − (the run's start in the simulator's access log, found by the
#      ask's X-Request-Id, which the gateway forwards, + RUN_MS); see
#      bench/README.md for why that timestamp can be trusted.
# 3.   For each mode in CONC_MODES ("stream poll") and level in CONC_LEVELS ("2500 5000 10000"):
#      a fresh simulator and gateway, and <level> asks, each on its own connection and its own
#      new thread, started at CONC_RATE per second (1000) with runs of CONC_RUN_MS (40000, the
#      [[slow:N]] marker: longer than the set-up of 10,000 asks, so all of them wait at once)
#      and wait_ms CONC_WAIT_MS (60000). Reports peak in-flight asks, runs
#      created, 200s, errors, the gateway's peak VmRSS / VmHWM and open fds, a timeline, and the
#      highest level at which every ask came back 200.
#
# Environment: DIALECTS, ASKS, ASK_CONC, RUN_MS, SEED_INTERVAL, SIM_POLL_AFTER_MS (phases 1+2: the
#   simulator's openai-poll-after-ms, default its own 100), CONC_MODES, CONC_LEVELS, CONC_RATE,
#   CONC_RUN_MS, CONC_WAIT_MS, CONC_POLL_AFTER_MS (phase 3, default 2000: the simulator's
#   openai-poll-after-ms, for poll mode and for stream-mode asks beyond the stream budget),
#   CONC_DB_POOL_MAX (32), CONC_DB_ACQUIRE_TIMEOUT_MS (30000), CONC_SIM_LOG_LEVEL (info),
#   CONC_MAX_CONNECTIONS (the gateway's UPSTREAM_MAX_CONNECTIONS; default unset: the gateway's
#   own 512 per worker, under which 768 asks stream and the rest poll; the level lets as many
#   asks stream as the descriptors allow),
#   PHASES ("1 3"), THREADGATE_BIN, TEST_DATABASE_URL.
# Output: the summary on stdout; every record, simulator stats snapshot and server log in
#   bench/out/ask-STAMP-* (ignored by git). Exits non-zero if a phase failed outright.
# All traffic goes to 127.0.0.1; every process started is stopped by its process-group id.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

asks="${ASKS:-40}"
ask_conc="${ASK_CONC:-8}"
run_ms="${RUN_MS:-2000}"
seed_interval="${SEED_INTERVAL:-0.5}"
sim_poll_after="${SIM_POLL_AFTER_MS:-}"
read -r -a dialects <<<"${DIALECTS:-assistants responses}"
read -r -a conc_modes <<<"${CONC_MODES:-stream poll}"
read -r -a conc_levels <<<"${CONC_LEVELS:-2500 5000 10000}"
conc_rate="${CONC_RATE:-1000}"
conc_run_ms="${CONC_RUN_MS:-40000}"
conc_wait_ms="${CONC_WAIT_MS:-60000}"
conc_poll_after="${CONC_POLL_AFTER_MS:-2000}"
conc_pool_max="${CONC_DB_POOL_MAX:-32}"
conc_max_connections="${CONC_MAX_CONNECTIONS:-}"
conc_acquire_ms="${CONC_DB_ACQUIRE_TIMEOUT_MS:-30000}"
conc_sim_level="${CONC_SIM_LOG_LEVEL:-info}"
phases="${PHASES:-1 3}"
for n in "$asks" "$ask_conc" "$run_ms" "${conc_levels[@]}" "$conc_rate" "$conc_run_ms" "$conc_wait_ms" \
    "$conc_poll_after" "$conc_pool_max" "$conc_acquire_ms" ${sim_poll_after:+"$sim_poll_after"}; do
    if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ]; then
        echo "ask: counts and milliseconds take positive integers (got '$n')" >&2
        exit 2
    fi
done
for mode in "${conc_modes[@]}"; do
    case "$mode" in stream | poll) ;; *) echo "ask: CONC_MODES takes stream and/or poll (got '$mode')" >&2; exit 2 ;; esac
done

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
for tool in curl psql python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "ask: $tool missing, running scripts/install-deps.sh"
        bash scripts/install-deps.sh
        break
    fi
done

# Every process started from here (servers and the load client) may use as many descriptors as
# the hard limit allows: 10,000 waiting asks are 10,000 sockets in the client and the gateway.
# As root, lift the hard limit too (10,000 streamed asks hold 20,000 descriptors in the gateway).
if [ "$(id -u)" = 0 ]; then ulimit -Hn "${BENCH_FD_LIMIT:-65536}" 2>/dev/null || true; fi
ulimit -n "$(ulimit -Hn)"
fd_limit=$(ulimit -n)

tmp=$(mktemp -d)
groups_started=()
started_pg=0
server_url=""
db_name=""

# shellcheck disable=SC2317  # called from cleanup and between phases
stop_group() {
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

client() { python3 "$repo_root/bench/ask.py" "$@"; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

with_database() {
    python3 - "$1" "$2" <<'PY'
import sys, urllib.parse
url, name = sys.argv[1], sys.argv[2]
if url.startswith(("postgres://", "postgresql://")):
    parts = urllib.parse.urlsplit(url)  # rebuilt by hand: urlunsplit drops an empty host
    print(f"{parts.scheme}://{parts.netloc}/{name}" + (f"?{parts.query}" if parts.query else ""))
else:
    print(f"{url} dbname={name}")
PY
}

# start_in_group LOG COMMAND...: COMMAND in the background as the leader of a new process
# group (the leader execs COMMAND, so pgid is also COMMAND's pid).
pgid=""
start_in_group() {
    local log=$1 _
    shift
    python3 -c 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])' "$@" \
        >"$log" 2>&1 </dev/null &
    pgid=$!
    groups_started+=("$pgid")
    for _ in $(seq 1 50); do
        [ "$(ps -o pgid= -p "$pgid" 2>/dev/null | tr -d ' ')" = "$pgid" ] && return 0
        sleep 0.1
    done
}

forget_group() {
    local group=$1 kept=() g
    stop_group "$group"
    for g in "${groups_started[@]}"; do [ "$g" = "$group" ] || kept+=("$g"); done
    groups_started=("${kept[@]}")
}

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

cpu_seconds() {  # utime+stime of one process, in seconds
    python3 -c 'import os, sys
s = open(f"/proc/{sys.argv[1]}/stat").read(); r = s[s.rindex(")") + 2:].split()
print((int(r[11]) + int(r[12])) / os.sysconf("SC_CLK_TCK"))' "$1" 2>/dev/null || echo 0
}

# --- build, database, keys ------------------------------------------------------------

tg_bin="${THREADGATE_BIN:-}"
if [ -z "$tg_bin" ]; then
    echo "ask: building threadgate (release)"
    swift build -c release --product threadgate
    tg_bin="$(swift build -c release --show-bin-path)/threadgate"
fi

out_dir="$repo_root/bench/out"
mkdir -p "$out_dir"
stamp=$(date +%Y%m%d-%H%M%S)
out="$out_dir/ask-$stamp"

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
    [ -n "$server_url" ] || { echo "ask: scripts/pg-test-cluster.sh start gave no TEST_DATABASE_URL" >&2; exit 1; }
fi
db_name="tg_bench_ask_$(python3 -c 'import secrets; print(secrets.token_hex(6))')"
psql -X -q -v ON_ERROR_STOP=1 -d "$server_url" -c "CREATE DATABASE \"$db_name\"" >/dev/null
db_url=$(with_database "$server_url" "$db_name")
echo "ask: database $db_name; descriptor limit $fd_limit per process"

upstream_key="sk-bench-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
jwt_secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
token=$(env AUTH_JWT_SECRET="$jwt_secret" "$tg_bin" token --user bench-ask --ttl 1h 2>/dev/null | tail -n 1)
sim_auth=(-H "Authorization: Bearer $upstream_key" -H "OpenAI-Beta: assistants=v2")

# start_simulator LOG LEVEL ARGS...: sets sim_port and sim_pgid.
start_simulator() {
    local log=$1 level=$2
    shift 2
    sim_port=$(free_port)
    start_in_group "$log" env LOG_LEVEL="$level" UPSTREAM_API_KEY="$upstream_key" \
        "$tg_bin" simulate --host 127.0.0.1 --port "$sim_port" "$@"
    sim_pgid=$pgid
    if ! wait_ok "http://127.0.0.1:$sim_port/v1/assistants/asst_default" "$sim_pgid" "${sim_auth[@]}"; then
        echo "ask: the simulator did not start; log: ${log#"$repo_root"/}" >&2
        exit 1
    fi
}

# start_gateway LOG ENV...: sets gw_port and gw_pgid (= the gateway's pid).
start_gateway() {
    local log=$1
    shift
    gw_port=$(free_port)
    start_in_group "$log" env LOG_LEVEL=warning DATABASE_URL="$db_url" \
        UPSTREAM_BASE_URL="http://127.0.0.1:$sim_port/v1" UPSTREAM_API_KEY="$upstream_key" \
        ASSISTANT_ID=asst_default AUTH_JWT_SECRET="$jwt_secret" MIGRATIONS_DIR="$repo_root/migrations" \
        WORKERS=2 "$@" "$tg_bin" serve --migrate --host 127.0.0.1 --port "$gw_port"
    gw_pgid=$pgid
    if ! wait_ok "http://127.0.0.1:$gw_port/readyz" "$gw_pgid"; then
        echo "ask: the gateway did not become ready; log: ${log#"$repo_root"/}" >&2
        tail -n 5 "$log" >&2 || true
        exit 1
    fi
}

any_failed=0

# --- phases 1 and 2: requests per ask and latency after completion ----------------------

if [[ " $phases " == *" 1 "* ]]; then
echo
echo "ask: phases 1+2: $asks asks per client, $ask_conc at a time, every run ${run_ms} ms"
start_simulator "$out-sim.log" info --run-queued-ms 0 --run-duration-ms "$run_ms" \
    ${sim_poll_after:+--poll-after-ms "$sim_poll_after"}
content="how many requests does waiting cost?"
groups=()
for dialect in "${dialects[@]}"; do
for mode in stream poll; do
    run="$dialect-$mode"
    start_gateway "$out-gateway-$run.log" ASK_MODE="$mode" UPSTREAM_DIALECT="$dialect"
    # Warm-up: connections, prepared statements, the user row; not counted.
    client asks --port "$gw_port" --token "$token" --count 2 --concurrency 2 --content "warm up" \
        --wait-ms 10000 --out "$out-$run-warmup.jsonl" >/dev/null || true
    client stats --port "$sim_port" >"$out-$run-stats-before.json"
    echo "ask: gateway UPSTREAM_DIALECT=$dialect ASK_MODE=$mode"
    if ! client asks --port "$gw_port" --token "$token" --count "$asks" --concurrency "$ask_conc" \
        --content "$content" --wait-ms 20000 --timeout 30 --out "$out-$run.jsonl" | tee "$out-$run.summary"; then
        any_failed=1
    fi
    client stats --port "$sim_port" >"$out-$run-stats-after.json"
    groups+=(--group "gw $dialect $mode=$out-$run.jsonl,$out-$run-stats-before.json,$out-$run-stats-after.json,$out-threads.tsv")
    forget_group "$gw_pgid"
done
done
psql -X -A -t -q -F $'\t' -d "$db_url" -v ON_ERROR_STOP=1 \
    -c "SELECT id, upstream_thread_id FROM threads" >"$out-threads.tsv"

echo "ask: the seeds' loop (retrieve every ${seed_interval} s) against the simulator"
client stats --port "$sim_port" >"$out-seeds-stats-before.json"
if ! client seeds --port "$sim_port" --key "$upstream_key" --count "$asks" --concurrency "$ask_conc" \
    --content "$content" --interval "$seed_interval" --out "$out-seeds.jsonl" | tee "$out-seeds.summary"; then
    any_failed=1
fi
client stats --port "$sim_port" >"$out-seeds-stats-after.json"
groups+=(--group "seeds loop ${seed_interval}s=$out-seeds.jsonl,$out-seeds-stats-before.json,$out-seeds-stats-after.json")
forget_group "$sim_pgid"   # flushes its access log before the report reads it

client report --sim-log "$out-sim.log" --run-ms "$run_ms" "${groups[@]}" >"$out-report-1-2.txt"
fi

# --- phase 3: concurrent waiting asks ---------------------------------------------------

conc_rows="$out-concurrency.tsv"
: >"$conc_rows"
[[ " $phases " == *" 3 "* ]] || conc_modes=()
for mode in "${conc_modes[@]}"; do
for conc_target in "${conc_levels[@]}"; do
    run="conc-$mode-$conc_target"
    conc_ramp=$(python3 -c "print(round($conc_target / $conc_rate, 2))")
    load_before=$(cut -d' ' -f1 /proc/loadavg)
    echo
    echo "ask: phase 3, ASK_MODE=$mode: $conc_target asks over ${conc_ramp} s, runs of ${conc_run_ms} ms, wait_ms $conc_wait_ms"
    # Both modes: stream mode polls too, for asks beyond its stream budget (ASK_MAX_STREAMS).
    sim_flags=(--run-queued-ms 0 --poll-after-ms "$conc_poll_after")
    start_simulator "$out-$run-sim.log" "$conc_sim_level" "${sim_flags[@]}"
    connections=()
    [ -z "$conc_max_connections" ] || connections=(UPSTREAM_MAX_CONNECTIONS="$conc_max_connections")
    start_gateway "$out-$run-gateway.log" ASK_MODE="$mode" ASK_MAX_WAIT_MS=120000 \
        DB_POOL_MAX="$conc_pool_max" DB_ACQUIRE_TIMEOUT_MS="$conc_acquire_ms" \
        "${connections[@]}" UPSTREAM_TIMEOUT_MS=120000
    client asks --port "$gw_port" --token "$token" --count 2 --concurrency 2 --content "warm up" \
        --wait-ms 10000 --out "$out-$run-warmup.jsonl" >/dev/null || true
    sim_cpu0=$(cpu_seconds "$sim_pgid")
    gw_cpu0=$(cpu_seconds "$gw_pgid")
    timeout_s=$(( (conc_wait_ms + 999) / 1000 + 5 ))
    if ! client asks --port "$gw_port" --token "$token" --count "$conc_target" --ramp-seconds "$conc_ramp" \
        --content "hold the line [[slow:$conc_run_ms]]" --wait-ms "$conc_wait_ms" --timeout "$timeout_s" \
        --watch-pid "$gw_pgid" --metrics-port "$gw_port" --progress --out "$out-$run.jsonl" | tee "$out-$run.summary"; then
        any_failed=1
    fi
    sim_cpu1=$(cpu_seconds "$sim_pgid")
    gw_cpu1=$(cpu_seconds "$gw_pgid")
    sim_ok=1
    kill -0 "$sim_pgid" 2>/dev/null || sim_ok=0
    gw_ok=1
    kill -0 "$gw_pgid" 2>/dev/null || gw_ok=0
    summary=$(grep '^SUMMARY ' "$out-$run.summary" | tail -n 1 | cut -d' ' -f2- || true)
    [ -n "$summary" ] || summary='{}'
    runs_created=$(grep -c '"route":"POST /v1/threads/{thread_id}/runs"' "$out-$run-sim.log" || true)
    runs_created=$((runs_created - 2))   # the two warm-up asks
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$conc_target" "$out-$run.jsonl" "$runs_created" "$load_before" "$summary" \
        "$(python3 -c "print(round($gw_cpu1 - $gw_cpu0, 1))")" "$(python3 -c "print(round($sim_cpu1 - $sim_cpu0, 1))")" \
        "$gw_ok" "$sim_ok" "$(grep -c '"level":"error"' "$out-$run-gateway.log" || true)" >>"$conc_rows"
    forget_group "$gw_pgid"
    forget_group "$sim_pgid"
    if [ "$conc_sim_level" = info ] || [ "$conc_sim_level" = debug ] || [ "$conc_sim_level" = trace ]; then
        client timeline --sim-log "$out-$run-sim.log" --records "$out-$run.jsonl" \
            --run-ms "$conc_run_ms" --bucket 4 | tee "$out-$run-timeline.txt"
    fi
done
done

# --- summary ----------------------------------------------------------------------------

echo
if [ -f "$out-report-1-2.txt" ]; then
    echo "=== ask-and-wait, runs of ${run_ms} ms; $asks asks per client, $ask_conc at a time (WORKERS=2) ==="
    cat "$out-report-1-2.txt"
    echo
fi
if [ -s "$conc_rows" ]; then
python3 - "$conc_rows" "$conc_run_ms" "$conc_pool_max" "$conc_acquire_ms" "$fd_limit" "$conc_poll_after" "$conc_rate" "$conc_wait_ms" \
    "${conc_max_connections:-512 (its default)}" <<'PY'
import json, sys
rows, run_ms, pool, acquire, fd_limit, poll_after, rate, wait_ms, max_connections = sys.argv[1:]
print(f"=== concurrency: asks started at {rate}/s, each its own connection and new thread, runs of {run_ms} ms, "
      f"wait_ms {wait_ms} ===")
print(f"gateway WORKERS=2 DB_POOL_MAX={pool} per worker, DB_ACQUIRE_TIMEOUT_MS={acquire}, UPSTREAM_MAX_CONNECTIONS={max_connections}, "
      f"ASK_MAX_WAIT_MS=120000; descriptor limit {fd_limit} per process")
fmt = "{:<7} {:>6} {:>9} {:>7} {:>7} {:>6} {:>9} {:>13} {:>7} {:>8} {:>7} {:>8} {:>7} {:>7} {:>5}"
print(fmt.format("mode", "asks", "in flight", "runs", "200 ok", "errors", "e2e p50 s", "late p50/p99 s", "held MB", "RSS MB",
                 "HWM MB", "peak fds", "gw CPU", "sim CPU", "load"))
notes, best = [], {}
for line in open(rows):
    mode, level, records, runs, load, summary, gw_cpu, sim_cpu, gw_ok, sim_ok, gw_errors = line.rstrip("\n").split("\t")
    s = json.loads(summary)
    if not s:
        print(fmt.format(mode, level, "failed", runs, "-", "-", "-", "-", "-", "-", "-", "-", gw_cpu, sim_cpu, load))
        continue
    completed = [r for r in map(json.loads, open(records)) if r.get("http") == 200 and r.get("status") == "completed"]
    e2e = sorted(r["recv"] - r["sent"] for r in completed)
    p50 = f"{e2e[len(e2e) // 2]:.1f}" if e2e else "-"
    # How long after the run completed its answer arrived (completed_at has whole seconds).
    late = sorted(r["recv"] - r["completed_at"] for r in completed if r.get("completed_at"))
    late_text = f"{late[len(late) // 2]:.1f}/{late[min(len(late) - 1, len(late) * 99 // 100)]:.1f}" if late else "-"
    held = s.get("rss_held_kb")
    print(fmt.format(mode, s["asks"], s["peak_in_flight"], runs, s["completed_200"], s["errors"], p50, late_text,
                     round(held / 1024) if held else "-", round(s.get("rss_peak_kb", 0) / 1024), round(s.get("hwm_kb", 0) / 1024),
                     s.get("fds_peak", "-"), gw_cpu, sim_cpu, load))
    ok = s["completed_200"] == int(level) and s["errors"] == 0
    if ok:
        best[mode] = max(best.get(mode, 0), int(level))
    if s.get("error_kinds"):
        notes.append(f"  {mode} {level}: not 200 completed: " + ", ".join(f"{k} × {v}" for k, v in sorted(s["error_kinds"].items())))
    if gw_ok != "1" or sim_ok != "1":
        notes.append(f"  {mode} {level}: a server process was gone after the run (gateway alive={gw_ok}, simulator alive={sim_ok})")
    if int(gw_errors or 0):
        notes.append(f"  {mode} {level}: the gateway logged {gw_errors} error lines")
    if int(runs or 0) and int(runs) < int(level):
        notes.append(f"  {mode} {level}: only {runs} of {level} runs were created upstream before the client gave up")
    rss = s.get("rss_peak_kb", 0)
    if held:
        base = s.get("rss_start_kb") or 0
        notes.append(f"  {mode} {level}: RSS {held // 1024} MB while all {level} asks waited at once"
                     f"{' (under' if held < 300 * 1024 else ' (over'} 300 MB; {(held - base) / int(level):.1f} kB per waiting ask"
                     f" above the {base // 1024} MB before the asks)")
    else:
        notes.append(f"  {mode} {level}: never all {level} asks waiting at once"
                     f" (threadgate_asks_waiting peaked at {s.get('waiting_peak', '?')})")
    if rss >= 300 * 1024:
        notes.append(f"  {mode} {level}: peak RSS {rss // 1024} MB, over 300 MB ({rss / int(level):.0f} kB per ask in flight)")
modes = sorted({line.split("\t")[0] for line in open(rows)})
for mode in modes:
    levels = [int(line.split("\t")[1]) for line in open(rows) if line.split("\t")[0] == mode]
    top = best.get(mode, 0)
    if top == max(levels):
        notes.append(f"  {mode}: {top} concurrent asks all completed with 200, no errors")
    else:
        notes.append(f"  {mode}: TARGET NOT MET: highest level with every ask 200 and no errors: "
                     f"{top or 'none of ' + str(levels)}")
    if mode == "poll":
        notes.append(f"  simulator openai-poll-after-ms {poll_after} in this phase")
for note in notes:
    print(note)
PY
fi
echo
echo "ask: raw records, simulator stats and logs: ${out#"$repo_root"/}-*"
exit "$any_failed"
