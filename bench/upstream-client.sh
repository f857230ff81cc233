#!/usr/bin/env bash
# Upstream-client throughput and CPU per request: threadgate's libcurl client on one event
# loop, GETting a small JSON object from `threadgate simulate` and from nginx serving the
# same bytes, in the same run.
#
#   bench/upstream-client.sh
#
# Builds `threadgate` and `threadgate-bench` in release mode. Starts `threadgate simulate`
# (LOG_LEVEL=warning, API key from UPSTREAM_API_KEY) on a free loopback port, fetches
# GET /v1/assistants/asst_default from it, and starts nginx (private config in a temp dir,
# one worker, no access log) answering that exact body on the same path with
# `return 200 '<body>'`. Then for each concurrency (1 16) and each server it runs
#   threadgate-bench upstream-get --url URL --concurrency C --duration D --warmup W \
#       --header 'Authorization: Bearer KEY' --header 'OpenAI-Beta: assistants=v2'
# which loops UpstreamHTTPClient.execute(GET) on one event loop and reports requests,
# req/s, p50/p99, errors and the client's own CPU µs per request (getrusage user+sys of
# the bench process / requests). The server's CPU (utime+stime of its process group,
# from /proc) across the same run is printed beside it.
#
# Environment: DURATION (seconds, default 10), WARMUP (default 2), BENCH_CONCURRENCY
#   (default "1 16"), THREADGATE_BIN / BENCH_BIN (binaries to use instead of building).
# Output: a table, then client/server ratio lines; raw outputs in bench/out/.
# All traffic goes to 127.0.0.1; every process started is stopped by its process-group id
# at exit. The bench client and the server share the machine's cores.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

duration="${DURATION:-10}"
warmup="${WARMUP:-2}"
read -r -a conc_list <<<"${BENCH_CONCURRENCY:-1 16}"
for n in "$duration" "$warmup" "${conc_list[@]}"; do
    if ! [[ "$n" =~ ^[0-9]+$ ]]; then
        echo "upstream-client: DURATION, WARMUP and BENCH_CONCURRENCY take integers (got '$n')" >&2
        exit 2
    fi
done
if [ "$duration" -lt 1 ]; then
    echo "upstream-client: DURATION must be at least 1" >&2
    exit 2
fi

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
export PATH="$PATH:/usr/sbin:/sbin"   # nginx lives in /usr/sbin
for tool in nginx curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "upstream-client: $tool missing, running scripts/install-deps.sh"
        bash scripts/install-deps.sh
        break
    fi
done

tmp=$(mktemp -d)
groups_started=()   # process-group ids (their leaders' pids) of the servers we started

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
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$tmp/bench.py" <<'PY'
import os, sys

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

def nginx_string(path):
    """The file's bytes as an nginx single-quoted string (\\ and ' escaped; $ refused)."""
    text = open(path, encoding="utf-8").read()
    if "$" in text:
        sys.exit("upstream-client: the body contains '$', which nginx would read as a variable")
    print("'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'")

def result(path):
    """The RESULT line of a threadgate-bench output as tab-separated values."""
    fields = {}
    for line in open(path):
        if line.startswith("RESULT "):
            fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    keys = ["requests", "rps", "p50_ms", "p99_ms", "errors", "cpu_us_per_req"]
    print("\t".join(fields.get(k, "failed") for k in keys))

def report(tsv):
    rows = [line.rstrip("\n").split("\t") for line in open(tsv)][1:]
    hdr = ("server", "conc", "requests", "req/s", "p50 ms", "p99 ms", "errors",
           "client CPU µs/req", "server CPU µs/req")
    fmt = "{:<10} {:>4} {:>9} {:>9} {:>8} {:>8} {:>6} {:>17} {:>17}"
    print(fmt.format(*hdr))
    by_key = {}
    for server, conc, reqs, rps, p50, p99, errors, client_us, server_us in rows:
        by_key[(server, conc)] = (rps, client_us, server_us)
        if rps == "failed":
            print(fmt.format(server, conc, "failed", "-", "-", "-", "-", "-", "-"))
            continue
        print(fmt.format(server, conc, reqs, f"{float(rps):.0f}", p50, p99, errors,
                         f"{float(client_us):.2f}", server_us))
    print()
    for (server, conc), (rps, client_us, _) in by_key.items():
        if server != "simulator":
            continue
        other = by_key.get(("nginx", conc))
        if not other or "failed" in (rps, other[0]):
            continue
        print(f"simulator/nginx req/s                conc={conc}: {float(rps) / float(other[0]):.2f}")
        print(f"simulator/nginx client CPU µs/req    conc={conc}: {float(client_us) / float(other[1]):.2f}")

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "ticks":
        group_ticks(int(sys.argv[2]))
    elif cmd == "nginx_string":
        nginx_string(sys.argv[2])
    elif cmd == "result":
        result(sys.argv[2])
    elif cmd == "server_us":
        ticks, clk, reqs = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        print(f"{ticks / clk * 1e6 / int(reqs):.2f}" if reqs.isdigit() and int(reqs) else "-")
    elif cmd == "report":
        report(sys.argv[2])
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

# wait_ok URL PGID [CURL ARGS...]: wait at most 20 s for URL to answer 2xx; fail if PGID died.
wait_ok() {
    local url=$1 group=$2 deadline=$((SECONDS + 20))
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
bench_bin="${BENCH_BIN:-}"
if [ -z "$tg_bin" ] || [ -z "$bench_bin" ]; then
    echo "upstream-client: building threadgate and threadgate-bench (release)"
    swift build -c release --product threadgate
    swift build -c release --product threadgate-bench
    bin_path="$(swift build -c release --show-bin-path)"
    tg_bin="${tg_bin:-$bin_path/threadgate}"
    bench_bin="${bench_bin:-$bin_path/threadgate-bench}"
fi

out_dir="$repo_root/bench/out"
mkdir -p "$out_dir"
stamp=$(date +%Y%m%d-%H%M%S)
clk_tck=$(getconf CLK_TCK)
api_key="sk-bench-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
auth=(-H "Authorization: Bearer $api_key" -H "OpenAI-Beta: assistants=v2")
path="/v1/assistants/asst_default"

# --- servers --------------------------------------------------------------------------

sim_port=$(free_port)
start_in_group "$out_dir/upstream-client-$stamp-simulator.log" \
    env LOG_LEVEL=warning UPSTREAM_API_KEY="$api_key" "$tg_bin" simulate --host 127.0.0.1 --port "$sim_port"
sim_pgid=$pgid
if ! wait_ok "http://127.0.0.1:$sim_port$path" "$sim_pgid" "${auth[@]}"; then
    echo "upstream-client: the simulator did not start; log in bench/out/" >&2
    exit 1
fi
curl -fsS "${auth[@]}" -o "$tmp/body.json" "http://127.0.0.1:$sim_port$path"
echo "upstream-client: simulator on 127.0.0.1:$sim_port, body $(wc -c <"$tmp/body.json") bytes"

nginx_port=$(free_port)
nginx_dir="$tmp/nginx"
mkdir -p "$nginx_dir/tmp"
body_literal=$(bench_py nginx_string "$tmp/body.json")
cat >"$nginx_dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $nginx_dir/nginx.pid;
error_log stderr warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path $nginx_dir/tmp/client_body;
    proxy_temp_path $nginx_dir/tmp/proxy;
    fastcgi_temp_path $nginx_dir/tmp/fastcgi;
    uwsgi_temp_path $nginx_dir/tmp/uwsgi;
    scgi_temp_path $nginx_dir/tmp/scgi;

    server {
        listen 127.0.0.1:$nginx_port;
        location = $path {
            default_type application/json;
            return 200 $body_literal;
        }
    }
}
EOF
start_in_group "$out_dir/upstream-client-$stamp-nginx.log" nginx -e stderr -c "$nginx_dir/nginx.conf" -p "$nginx_dir/"
nginx_pgid=$pgid
if ! wait_ok "http://127.0.0.1:$nginx_port$path" "$nginx_pgid"; then
    echo "upstream-client: nginx did not start; log in bench/out/" >&2
    exit 1
fi
curl -fsS -o "$tmp/nginx-body.json" "http://127.0.0.1:$nginx_port$path"
if ! cmp -s "$tmp/body.json" "$tmp/nginx-body.json"; then
    echo "upstream-client: nginx does not serve the simulator's exact body" >&2
    exit 1
fi
echo "upstream-client: nginx on 127.0.0.1:$nginx_port serves the same bytes"

# --- runs -----------------------------------------------------------------------------

tsv="$out_dir/upstream-client-$stamp.tsv"
printf 'server\tconc\trequests\treq_s\tp50_ms\tp99_ms\terrors\tclient_cpu_us\tserver_cpu_us\n' >"$tsv"
any_failed=0
for c in "${conc_list[@]}"; do
    for server in simulator nginx; do
        case "$server" in
            simulator) port=$sim_port group=$sim_pgid ;;
            nginx) port=$nginx_port group=$nginx_pgid ;;
        esac
        url="http://127.0.0.1:$port$path"
        raw="$out_dir/upstream-client-$stamp-$server-c$c.txt"
        echo "upstream-client: $server concurrency=$c duration=${duration}s"
        # A separate short run warms both sides up; the measured run then starts cold-free,
        # so the server's CPU can be read around that whole process.
        "$bench_bin" upstream-get --url "$url" --concurrency "$c" --duration "$warmup" --warmup 0 \
            --header "Authorization: Bearer $api_key" --header "OpenAI-Beta: assistants=v2" >/dev/null 2>&1 || true
        ticks0=$(bench_py ticks "$group")
        if ! "$bench_bin" upstream-get --url "$url" --concurrency "$c" --duration "$duration" --warmup 0 \
            --header "Authorization: Bearer $api_key" --header "OpenAI-Beta: assistants=v2" >"$raw" 2>&1; then
            any_failed=1
        fi
        ticks1=$(bench_py ticks "$group")
        grep -v '^RESULT' "$raw" | sed 's/^/    /'
        IFS=$'\t' read -r requests rps p50 p99 errors client_us < <(bench_py result "$raw")
        server_us=$(bench_py server_us "$((ticks1 - ticks0))" "$clk_tck" "$requests")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$c" "$requests" "$rps" "$p50" "$p99" \
            "$errors" "$client_us" "$server_us" >>"$tsv"
        if [ "$requests" = failed ] || [ "$errors" != 0 ]; then
            any_failed=1
        fi
    done
done

echo
bench_py report "$tsv"
echo
echo "upstream-client: raw results in ${tsv#"$repo_root"/} (bench outputs and server logs beside it)"
echo "upstream-client: client CPU is the bench process's getrusage user+sys over the measured run;"
echo "                 server CPU is utime+stime of the server's process group over the same run."
exit "$any_failed"
