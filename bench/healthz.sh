#!/usr/bin/env bash
# /healthz throughput, latency, server CPU per request and memory: threadgate vs nginx.
#
#   bench/healthz.sh
#
# Builds threadgate in release mode, then for each worker count (1 2) and connection count
# (64 256) starts a fresh `threadgate serve --workers W` on a free loopback port
# (LOG_LEVEL=warning: no access log lines), warms it up, and runs
#   wrk -t2 -cC -dDURATION --latency http://127.0.0.1:PORT/healthz
# measuring the server's CPU time (utime+stime from /proc) across the wrk run and its
# memory (VmRSS after the run, VmHWM). Then the same against nginx serving a constant
# {"status":"ok"} from a private config (worker_processes W, reuseport, no access log).
#
# Environment: DURATION (seconds, default 10), WARMUP (default 2),
#   BENCH_WORKERS (default "1 2"), BENCH_CONNS (default "64 256"),
#   BENCH_SERVERS (default "threadgate nginx"), THREADGATE_BIN (a binary to use instead
#   of building the release one).
# Output: a table on stdout, then ratio lines; raw wrk output and a TSV in bench/out/.
# All traffic goes to 127.0.0.1; every run is bounded; servers are stopped by their
# process-group id on exit. Note that wrk and the server share the machine's cores.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root=$PWD

duration="${DURATION:-10}"
warmup="${WARMUP:-2}"
read -r -a workers_list <<<"${BENCH_WORKERS:-1 2}"
read -r -a conns_list <<<"${BENCH_CONNS:-64 256}"
read -r -a servers <<<"${BENCH_SERVERS:-threadgate nginx}"
for n in "$duration" "$warmup" "${workers_list[@]}" "${conns_list[@]}"; do
    if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ]; then
        echo "healthz: DURATION, WARMUP, BENCH_WORKERS and BENCH_CONNS take positive integers (got '$n')" >&2
        exit 2
    fi
done

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
export PATH="$PATH:/usr/sbin:/sbin"   # nginx lives in /usr/sbin
for tool in wrk nginx curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "healthz: $tool missing, running scripts/install-deps.sh"
        bash scripts/install-deps.sh
        break
    fi
done

tmp=$(mktemp -d)
pgid=""   # process group of the server currently running (its leader's pid)

stop_group() {
    # TERM the whole process group we started, wait up to 10 s, then KILL it.
    # The leader is signalled by pid too, in case it had not made its group yet.
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
    if [ -n "$pgid" ]; then
        stop_group "$pgid"
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Helpers in Python: process-group CPU/memory from /proc, wrk output parsing, the report.
cat >"$tmp/bench.py" <<'PY'
import os, re, sys

def group_stats(pgid):
    """Sum utime+stime (clock ticks), VmRSS and VmHWM (kB) over all processes in pgid."""
    ticks = rss = hwm = procs = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            # Fields after the parenthesised command name; field 3 (state) is rest[0].
            rest = stat[stat.rindex(")") + 2:].split()
            if int(rest[2]) != pgid:          # field 5: pgrp
                continue
            ticks += int(rest[11]) + int(rest[12])   # fields 14, 15: utime, stime
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        hwm += int(line.split()[1])
            procs += 1
        except (OSError, ValueError, IndexError):
            continue   # raced with an exiting process
    print(ticks, rss, hwm, procs)

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}

def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

def parse_wrk(path):
    """Print: requests req/s p50_ms p99_ms errors."""
    text = open(path).read()
    requests = re.search(r"^\s*(\d+) requests in", text, re.M)
    rps = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    p50 = re.search(r"^\s*50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", text, re.M)
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    print(int(requests.group(1)) if requests else 0,
          float(rps.group(1)) if rps else 0.0,
          to_ms(p50.group(1)) if p50 else float("nan"),
          to_ms(p99.group(1)) if p99 else float("nan"),
          errors)

def report(tsv):
    rows = [line.rstrip("\n").split("\t") for line in open(tsv)][1:]
    hdr = ("server", "workers", "conns", "req/s", "p50 ms", "p99 ms",
           "CPU µs/req", "RSS MB", "HWM MB", "errors")
    fmt = "{:<11} {:>7} {:>5} {:>11} {:>8} {:>8} {:>10} {:>7} {:>7} {:>7}"
    print(fmt.format(*hdr))
    by_key = {}
    for r in rows:
        server, w, c, reqs, rps, p50, p99, cpu_us, rss, hwm, errors = r
        by_key[(server, w, c)] = r
        if rps == "failed":
            print(fmt.format(server, w, c, "failed", "-", "-", "-", "-", "-", "-"))
            continue
        print(fmt.format(server, w, c, f"{float(rps):.0f}", f"{float(p50):.3f}",
                         f"{float(p99):.3f}", f"{float(cpu_us):.2f}",
                         f"{float(rss) / 1024:.1f}", f"{float(hwm) / 1024:.1f}", errors))
    print()
    for (server, w, c), r in by_key.items():
        if server != "threadgate":
            continue
        other = by_key.get(("nginx", w, c))
        if not other or "failed" in (r[4], other[4]):
            continue
        rps_ratio = float(r[4]) / float(other[4]) if float(other[4]) else float("nan")
        cpu_ratio = float(r[7]) / float(other[7]) if float(other[7]) else float("nan")
        print(f"threadgate/nginx req/s      workers={w} conns={c}: {rps_ratio:.2f}")
        print(f"threadgate/nginx CPU µs/req workers={w} conns={c}: {cpu_ratio:.2f}")

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "stats":
        group_stats(int(sys.argv[2]))
    elif cmd == "wrk":
        parse_wrk(sys.argv[2])
    elif cmd == "cpu_us":
        ticks, clk, reqs = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        print(f"{ticks / clk * 1e6 / reqs:.3f}" if reqs else "nan")
    elif cmd == "report":
        report(sys.argv[2])
PY
bench_py() { python3 "$tmp/bench.py" "$@"; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_in_group LOG COMMAND...: start COMMAND in the background as the leader of a new
# process group (so the group holds it and every child it forks); sets pgid.
start_in_group() {
    local log=$1
    shift
    python3 -c 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])' "$@" \
        >"$log" 2>&1 </dev/null &
    pgid=$!
    # setpgid runs in the child: wait (at most 5 s) until the group exists.
    local _
    for _ in $(seq 1 50); do
        [ "$(ps -o pgid= -p "$pgid" 2>/dev/null | tr -d ' ')" = "$pgid" ] && return 0
        sleep 0.1
    done
    return 0
}

wait_ready() {
    # Wait at most 20 s for /healthz on PORT to answer 200; fail if the server died.
    local port=$1 deadline=$((SECONDS + 20))
    while [ "$SECONDS" -lt "$deadline" ]; do
        kill -0 "$pgid" 2>/dev/null || return 1
        if curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

nginx_conf() {
    # nginx_conf DIR WORKERS PORT: write DIR/nginx.conf; everything nginx writes stays in DIR.
    local dir=$1 workers=$2 port=$3
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $workers;
pid $dir/nginx.pid;
error_log stderr warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path $dir/tmp/client_body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    server {
        listen 127.0.0.1:$port reuseport;
        location = /healthz {
            default_type application/json;
            return 200 '{"status":"ok"}';
        }
    }
}
EOF
}

# --- build ----------------------------------------------------------------------------

# THREADGATE_BIN=path benchmarks that binary instead of building the release one.
tg_bin="${THREADGATE_BIN:-}"
for s in "${servers[@]}"; do
    if [ "$s" = threadgate ] && [ -z "$tg_bin" ]; then
        echo "healthz: building threadgate (release)"
        swift build -c release --product threadgate
        tg_bin="$(swift build -c release --show-bin-path)/threadgate"
    fi
done

out_dir="$repo_root/bench/out"
mkdir -p "$out_dir"
stamp=$(date +%Y%m%d-%H%M%S)
tsv="$out_dir/healthz-$stamp.tsv"
printf 'server\tworkers\tconns\trequests\treq_s\tp50_ms\tp99_ms\tcpu_us_per_req\trss_kb\thwm_kb\terrors\n' >"$tsv"
clk_tck=$(getconf CLK_TCK)
any_failed=0

# --- runs -----------------------------------------------------------------------------

for server in "${servers[@]}"; do
    for w in "${workers_list[@]}"; do
        for c in "${conns_list[@]}"; do
            port=$(free_port)
            url="http://127.0.0.1:$port/healthz"
            run="$server-w$w-c$c"
            log="$out_dir/healthz-$stamp-$run.server.log"
            case "$server" in
                threadgate)
                    start_in_group "$log" env LOG_LEVEL=warning "$tg_bin" serve \
                        --host 127.0.0.1 --port "$port" --workers "$w"
                    ;;
                nginx)
                    conf_dir="$tmp/nginx-$run"
                    nginx_conf "$conf_dir" "$w" "$port"
                    start_in_group "$log" nginx -e stderr -c "$conf_dir/nginx.conf" -p "$conf_dir/"
                    ;;
                *)
                    echo "healthz: unknown server '$server' in BENCH_SERVERS" >&2
                    exit 2
                    ;;
            esac
            echo "healthz: $server workers=$w conns=$c on 127.0.0.1:$port"
            if ! wait_ready "$port"; then
                echo "healthz: $server did not become ready; log: ${log#"$repo_root"/}" >&2
                tail -n 5 "$log" >&2 || true
                printf '%s\t%s\t%s\t0\tfailed\t\t\t\t\t\t\n' "$server" "$w" "$c" >>"$tsv"
                any_failed=1
                stop_group "$pgid"
                pgid=""
                continue
            fi

            wrk -t2 -c"$c" -d"${warmup}s" --timeout 5s "$url" >/dev/null 2>&1 || true
            read -r ticks0 _ _ _ < <(bench_py stats "$pgid")
            wrk_out="$out_dir/healthz-$stamp-$run.wrk.txt"
            wrk -t2 -c"$c" -d"${duration}s" --timeout 5s --latency "$url" >"$wrk_out" 2>&1 || true
            read -r ticks1 rss_kb hwm_kb _ < <(bench_py stats "$pgid")
            stop_group "$pgid"
            pgid=""

            read -r requests rps p50 p99 errors < <(bench_py wrk "$wrk_out")
            cpu_us=$(bench_py cpu_us "$((ticks1 - ticks0))" "$clk_tck" "$requests")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$w" "$c" \
                "$requests" "$rps" "$p50" "$p99" "$cpu_us" "$rss_kb" "$hwm_kb" "$errors" >>"$tsv"
            if [ "$requests" -eq 0 ]; then
                any_failed=1
            fi
        done
    done
done

echo
bench_py report "$tsv"
echo
echo "healthz: raw results in ${tsv#"$repo_root"/} (wrk outputs and server logs beside it)"
echo "healthz: CPU is utime+stime of the server's whole process group during the wrk run;"
echo "         nginx RSS/HWM are summed over master and workers (shared pages counted twice)."
exit "$any_failed"
