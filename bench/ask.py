#!/usr/bin/env python3
"""Load client and analysis for bench/ask.sh (standard library only).

  ask.py asks    --port P --token T --count N --concurrency C --content TEXT --wait-ms W --out F
                 [--ramp-seconds R] [--timeout S] [--watch-pid PID] [--progress]
      N asks `POST /v1/ask` on the gateway, each on its own new connection. With --ramp-seconds
      all N are started open-loop at an even rate over R seconds (they stay open together: the
      concurrency phase); otherwise C workers send them back to back. --watch-pid samples that
      process's VmRSS/VmHWM/open fds every 0.25 s. One JSON line per ask in F, a SUMMARY line on
      stdout.

  ask.py seeds   --port P --key K --count N --concurrency C --content TEXT --interval 0.5 --out F
      What the seed projects did, straight against the simulator on a keep-alive connection per
      worker: create a thread, create the message, create the run, retrieve the run every
      --interval seconds until it is terminal, list the messages.

  ask.py stats   --port P           the simulator's request counters (GET /v1/_simulator/stats)
  ask.py report  ...                the summary table (see bench/ask.sh)

Every ask record holds wall-clock send/receive times (time.time(), CLOCK_REALTIME: the same
clock the simulator's log timestamps use) and the upstream thread/run ids, so the report can
place each response against the moment the simulator completed the run.
"""
import argparse
import asyncio
import json
import math
import os
import resource
import sys
import time

# --- a minimal HTTP/1.1 client --------------------------------------------------------


class HTTPError(Exception):
    pass


async def read_response(reader):
    """(status, headers dict, body bytes) of one response; handles content-length and chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise HTTPError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers are sent
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        return status, headers, bytes(body)
    length = headers.get("content-length")
    if length is not None:
        return status, headers, await reader.readexactly(int(length))
    return status, headers, await reader.read()


def encode_request(method, path, headers, body=None):
    data = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append("Content-Type: application/json")
    if body is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


class Connection:
    """One keep-alive connection to 127.0.0.1:port."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method, path, headers, body=None):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(encode_request(method, path, headers, body))
        await self.writer.drain()
        status, head, data = await read_response(self.reader)
        if head.get("connection", "").lower() == "close":
            self.close()
        return status, data

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# --- process sampling -----------------------------------------------------------------


class Watcher:
    """Peak VmRSS / VmHWM (kB) and open fds of one process, sampled every 0.25 s. With a
    metrics port and a level, also the largest VmRSS seen while the gateway's
    threadgate_asks_waiting gauge (read from /metrics every 0.5 s) stood at the level: the
    memory of holding that many waits at once, apart from the set-up and completion bursts
    around them."""

    def __init__(self, pid, metrics_port=None, level=None):
        self.pid = pid
        self.peak_rss = self.hwm = self.peak_fds = 0
        self.rss = 0
        self.start_rss = None
        self.metrics_port = metrics_port
        self.level = level
        self.waiting_peak = 0
        self.held_rss = None
        self.fd_limit = None
        try:
            for line in open(f"/proc/{pid}/limits"):
                if line.startswith("Max open files"):
                    self.fd_limit = int(line.split()[3])
        except (OSError, ValueError, IndexError):
            pass

    def sample(self):
        try:
            for line in open(f"/proc/{self.pid}/status"):
                if line.startswith("VmRSS:"):
                    self.rss = int(line.split()[1])
                    if self.start_rss is None:
                        self.start_rss = self.rss
                    self.peak_rss = max(self.peak_rss, self.rss)
                elif line.startswith("VmHWM:"):
                    self.hwm = max(self.hwm, int(line.split()[1]))
            self.peak_fds = max(self.peak_fds, len(os.listdir(f"/proc/{self.pid}/fd")))
        except (OSError, ValueError):
            pass

    async def run(self):
        ticks = 0
        while True:
            self.sample()
            if self.metrics_port and ticks % 2 == 0:
                await self.sample_waiting()
            ticks += 1
            await asyncio.sleep(0.25)

    async def sample_waiting(self):
        connection = Connection(self.metrics_port)
        try:
            status, data = await asyncio.wait_for(connection.request("GET", "/metrics", {}), 5)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, HTTPError):
            return
        finally:
            connection.close()
        if status != 200:
            return
        waiting = 0
        for line in data.decode(errors="replace").splitlines():
            if line.startswith("threadgate_asks_waiting"):
                try:
                    waiting += int(float(line.rsplit(" ", 1)[1]))
                except (ValueError, IndexError):
                    pass
        self.waiting_peak = max(self.waiting_peak, waiting)
        if self.level and waiting >= self.level:
            self.sample()
            self.held_rss = max(self.held_rss or 0, self.rss)


# --- gateway asks ---------------------------------------------------------------------


async def one_ask(args, index, state):
    # The gateway passes the request id upstream: it finds the run's start in the simulator's log.
    request_id = f"bench{state['nonce']}{index:08d}"
    record = {"i": index, "sent": time.time(), "request_id": request_id}
    body = {"content": f"{args.content} #{index}", "wait_ms": args.wait_ms}
    headers = {"Authorization": f"Bearer {args.token}", "Connection": "close", "X-Request-Id": request_id}
    conn = Connection(args.port)
    state["inflight"] += 1
    state["peak"] = max(state["peak"], state["inflight"])
    try:
        status, data = await asyncio.wait_for(conn.request("POST", "/v1/ask", headers, body), args.timeout)
        record["recv"] = time.time()
        record["http"] = status
        try:
            answer = json.loads(data)
        except ValueError:
            answer = {}
        if status == 200:
            run = answer.get("run") or {}
            record.update(
                thread_id=answer.get("thread_id"), run_id=run.get("id"), status=answer.get("status"),
                upstream_requests=answer.get("upstream_requests"), completed_at=run.get("completed_at"),
                messages=len(answer.get("messages") or []))
        else:
            err = (answer.get("error") or {}) if isinstance(answer, dict) else {}
            record["error"] = f"http {status} {err.get('code') or ''}".strip()
    except asyncio.TimeoutError:
        record["recv"] = time.time()
        record["error"] = "timeout"
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HTTPError) as error:
        record["recv"] = time.time()
        record["error"] = type(error).__name__ + (f" errno {error.errno}" if getattr(error, "errno", None) else "")
    finally:
        conn.close()
        state["inflight"] -= 1
        state["done"] += 1
        if "error" in record:
            state["errors"] += 1
    return record


async def progress(state, watcher, started):
    while True:
        await asyncio.sleep(2)
        extra = ""
        if watcher:
            extra = f" gateway rss={watcher.peak_rss // 1024}MB fds={watcher.peak_fds}"
            if watcher.metrics_port:
                extra += f" waiting={watcher.waiting_peak}"
        print(f"  t={time.time() - started:5.1f}s started={state['started']} in_flight={state['inflight']}"
              f" done={state['done']} errors={state['errors']}{extra}", flush=True)


async def cmd_asks(args):
    state = {"inflight": 0, "peak": 0, "done": 0, "errors": 0, "started": 0, "nonce": os.urandom(4).hex()}
    watcher = Watcher(args.watch_pid, args.metrics_port, args.count) if args.watch_pid else None
    background = []
    if watcher:
        watcher.sample()
        background.append(asyncio.ensure_future(watcher.run()))
    started = time.time()
    if args.progress:
        background.append(asyncio.ensure_future(progress(state, watcher, started)))
    records = []
    if args.ramp_seconds > 0:
        tasks = []
        step = args.ramp_seconds / args.count
        for i in range(args.count):
            due = started + i * step
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one_ask(args, i, state)))
            state["started"] += 1
        records = await asyncio.gather(*tasks)
    else:
        queue = list(range(args.count))

        async def worker():
            while queue:
                i = queue.pop(0)
                state["started"] += 1
                records.append(await one_ask(args, i, state))

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    elapsed = time.time() - started
    for task in background:
        task.cancel()
    if watcher:
        watcher.sample()
    with open(args.out, "w") as f:
        for record in sorted(records, key=lambda r: r["i"]):
            f.write(json.dumps(record) + "\n")
    ok = sum(1 for r in records if r.get("http") == 200 and r.get("status") == "completed")
    kinds = {}
    for r in records:
        if "error" in r:
            kinds[r["error"]] = kinds.get(r["error"], 0) + 1
        elif r.get("status") != "completed":
            kinds[f"status {r.get('status')}"] = kinds.get(f"status {r.get('status')}", 0) + 1
    summary = {"asks": len(records), "completed_200": ok, "errors": state["errors"], "peak_in_flight": state["peak"],
               "elapsed_s": round(elapsed, 2), "error_kinds": kinds}
    if watcher:
        summary.update(rss_start_kb=watcher.start_rss, rss_peak_kb=watcher.peak_rss, hwm_kb=watcher.hwm, fds_peak=watcher.peak_fds,
                       fd_limit=watcher.fd_limit, waiting_peak=watcher.waiting_peak, rss_held_kb=watcher.held_rss)
    print("SUMMARY " + json.dumps(summary), flush=True)


# --- the seeds' loop against the simulator --------------------------------------------


TERMINAL = {"completed", "failed", "cancelled", "expired", "incomplete", "requires_action"}


async def seed_ask(args, conn, index):
    headers = {"Authorization": f"Bearer {args.key}", "OpenAI-Beta": "assistants=v2"}
    record = {"i": index, "sent": time.time(), "requests": 0}

    async def call(method, path, body=None):
        record["requests"] += 1
        status, data = await conn.request(method, path, headers, body)
        if status // 100 != 2:
            raise HTTPError(f"{method} {path} -> {status}")
        return json.loads(data)

    try:
        thread = await call("POST", "/v1/threads", {})
        tid = thread["id"]
        await call("POST", f"/v1/threads/{tid}/messages", {"role": "user", "content": f"{args.content} #{index}"})
        run = await call("POST", f"/v1/threads/{tid}/runs", {"assistant_id": "asst_default"})
        while run["status"] not in TERMINAL:
            await asyncio.sleep(args.interval)
            run = await call("GET", f"/v1/threads/{tid}/runs/{run['id']}")
        messages = await call("GET", f"/v1/threads/{tid}/messages")
        record.update(recv=time.time(), http=200, upstream_thread_id=tid, run_id=run["id"], status=run["status"],
                      upstream_requests=record["requests"], completed_at=run.get("completed_at"),
                      messages=sum(1 for m in messages.get("data", []) if m.get("role") == "assistant"))
    except (OSError, asyncio.IncompleteReadError, HTTPError, ValueError, KeyError) as error:
        record.update(recv=time.time(), error=f"{type(error).__name__}: {error}")
        conn.close()
    return record


async def cmd_seeds(args):
    queue = list(range(args.count))
    records = []

    async def worker():
        conn = Connection(args.port)
        while queue:
            records.append(await seed_ask(args, conn, queue.pop(0)))
        conn.close()

    started = time.time()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    with open(args.out, "w") as f:
        for record in sorted(records, key=lambda r: r["i"]):
            f.write(json.dumps(record) + "\n")
    errors = sum(1 for r in records if "error" in r)
    print("SUMMARY " + json.dumps({"asks": len(records), "errors": errors, "elapsed_s": round(time.time() - started, 2)}))


async def cmd_stats(args):
    conn = Connection(args.port)
    status, data = await conn.request("GET", "/v1/_simulator/stats", {})
    conn.close()
    if status != 200:
        sys.exit(f"ask.py: stats answered {status}")
    sys.stdout.write(data.decode() + "\n")


# --- report ---------------------------------------------------------------------------


def quantile(values, q):
    """Nearest-rank quantile of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return ordered[rank]


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


RUN_ROUTES = ("POST /v1/threads/{thread_id}/runs", "POST /v1/responses")


def run_starts(sim_log):
    """Wall-clock start (s) of each run-creating request in the simulator's access log
    (`POST /v1/threads/{id}/runs`, or `POST /v1/responses` for the Responses dialect): the
    line's `ts` (written when the response ended) minus its `duration_ms`; the run is created
    while that request is handled. Keyed twice: by upstream thread id (Assistants paths name
    it) and by request id (the gateway forwards the ask's `X-Request-Id`). The first wins."""
    from datetime import datetime, timezone
    by_thread, by_request = {}, {}
    with open(sim_log) as f:
        for line in f:
            if '"request"' not in line or ("/runs" not in line and "/responses" not in line):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") != "request" or entry.get("route") not in RUN_ROUTES:
                continue
            ts = datetime.strptime(entry["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
            start = ts - float(entry["duration_ms"]) / 1000
            if entry["route"] == RUN_ROUTES[0]:
                by_thread.setdefault(entry["path"].split("/")[3], start)
            if entry.get("request_id"):
                by_request.setdefault(entry["request_id"], start)
    return by_thread, by_request


def stats_routes(path):
    """Requests counted per route, the simulator's own stats route left out."""
    routes = json.load(open(path))["requests"]["by_route"]
    return {route: sum(by_status.values()) for route, by_status in routes.items() if "_simulator" not in route}


def cmd_report(args):
    """Phase 1+2 table from label=records,stats_before,stats_after[,mapping] groups."""
    starts, starts_by_request = run_starts(args.sim_log)
    run_ms = args.run_ms
    rows = []
    for spec in args.group:
        label, files = spec.split("=", 1)
        parts = files.split(",")
        records = load_jsonl(parts[0])
        before, after = parts[1], parts[2]
        mapping = {}
        if len(parts) > 3 and parts[3]:
            for line in open(parts[3]):
                fields = line.split()
                if len(fields) == 2:
                    mapping[fields[0]] = fields[1]
        good = [r for r in records if "error" not in r and r.get("status") == "completed"]
        routes_before, routes_after = stats_routes(before), stats_routes(after)
        by_route = {k: routes_after.get(k, 0) - routes_before.get(k, 0) for k in routes_after}
        delta = sum(by_route.values())
        by_route = {k.replace("/v1/threads/{thread_id}", "…").replace("{run_id}", "{r}"): v / max(1, len(records))
                    for k, v in sorted(by_route.items()) if v}
        field = [r["upstream_requests"] for r in good if isinstance(r.get("upstream_requests"), int)]
        after_done, e2e_minus = [], []
        for r in good:
            e2e_minus.append((r["recv"] - r["sent"]) * 1000 - run_ms)
            tid = r.get("upstream_thread_id") or mapping.get(r.get("thread_id"))
            start = starts_by_request.get(r.get("request_id")) or starts.get(tid)
            if start is not None:
                after_done.append((r["recv"] - (start + run_ms / 1000)) * 1000)
        rows.append((label, len(records), len(good), delta / max(1, len(records)),
                     (sum(field) / len(field)) if field else None, after_done, e2e_minus, by_route))
    hdr = ("client", "asks", "ok", "upstream req/ask", "field", "after-completion p50/p99 ms",
           "e2e−run p50/p99 ms")
    fmt = "{:<22} {:>5} {:>5} {:>16} {:>6} {:>28} {:>20}"
    print(fmt.format(*hdr))
    for label, n, ok, per_ask, field, after_done, e2e_minus, by_route in rows:
        def pq(values):
            return f"{quantile(values, 0.5):.1f} / {quantile(values, 0.99):.1f}" if values else "-"
        print(fmt.format(label, n, ok, f"{per_ask:.2f}", "-" if field is None else f"{field:.2f}",
                         pq(after_done) + f" (n={len(after_done)})", pq(e2e_minus)))
    print()
    print("upstream requests per ask by route (simulator stats delta / asks):")
    for label, *_, by_route in rows:
        print(f"  {label}: " + ", ".join(f"{k} {v:.2f}" for k, v in by_route.items()))


def log_requests(sim_log):
    """(start, end, route) of every request in a simulator access log (wall-clock seconds)."""
    from datetime import datetime, timezone
    out = []
    with open(sim_log) as f:
        for line in f:
            if '"request"' not in line:
                continue
            try:
                entry = json.loads(line)
                end = datetime.strptime(entry["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
                out.append((end - float(entry["duration_ms"]) / 1000, end, entry.get("route", "")))
            except (ValueError, KeyError):
                continue
    return out


def cmd_timeline(args):
    """Per-bucket counts: asks sent, upstream threads and runs created, runs completed, answers."""
    records = load_jsonl(args.records)
    t0 = min(r["sent"] for r in records)
    requests = log_requests(args.sim_log)
    width = args.bucket
    buckets = {}

    def add(t, column):
        if t >= t0 - width:
            key = int((t - t0) // width)
            buckets.setdefault(key, [0] * 6)[column] += 1

    for r in records:
        add(r["sent"], 0)
        if r.get("http") == 200 and r.get("status") == "completed":
            add(r["recv"], 4)
        elif "error" in r:
            add(r["recv"], 5)
    for start, end, route in requests:
        if route == "POST /v1/threads":
            add(start, 1)
        elif route == "POST /v1/threads/{thread_id}/runs":
            add(start, 2)
            add(start + args.run_ms / 1000, 3)
    print(f"timeline ({width:g} s buckets from the first ask; 'runs done' = run start + {args.run_ms:g} ms):")
    print("{:>9} {:>8} {:>15} {:>13} {:>10} {:>10} {:>8}".format(
        "t s", "asks", "upstream thrds", "runs created", "runs done", "200s", "errors"))
    for key in sorted(buckets):
        row = buckets[key]
        print("{:>9} {:>8} {:>15} {:>13} {:>10} {:>10} {:>8}".format(f"{key * width:g}", *row))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    asks = sub.add_parser("asks")
    asks.add_argument("--port", type=int, required=True)
    asks.add_argument("--token", required=True)
    asks.add_argument("--count", type=int, required=True)
    asks.add_argument("--concurrency", type=int, default=1)
    asks.add_argument("--ramp-seconds", type=float, default=0)
    asks.add_argument("--content", required=True)
    asks.add_argument("--wait-ms", type=int, default=30000)
    asks.add_argument("--timeout", type=float, default=60)
    asks.add_argument("--watch-pid", type=int)
    asks.add_argument("--metrics-port", type=int, help="with --watch-pid: the RSS while all --count asks wait")
    asks.add_argument("--progress", action="store_true")
    asks.add_argument("--out", required=True)
    seeds = sub.add_parser("seeds")
    seeds.add_argument("--port", type=int, required=True)
    seeds.add_argument("--key", required=True)
    seeds.add_argument("--count", type=int, required=True)
    seeds.add_argument("--concurrency", type=int, default=1)
    seeds.add_argument("--content", required=True)
    seeds.add_argument("--interval", type=float, default=0.5)
    seeds.add_argument("--out", required=True)
    stats = sub.add_parser("stats")
    stats.add_argument("--port", type=int, required=True)
    report = sub.add_parser("report")
    report.add_argument("--sim-log", required=True)
    report.add_argument("--run-ms", type=float, required=True)
    report.add_argument("--group", action="append", required=True,
                        help="label=records.jsonl,stats-before.json,stats-after.json[,thread-map.tsv]")
    timeline = sub.add_parser("timeline")
    timeline.add_argument("--sim-log", required=True)
    timeline.add_argument("--records", required=True)
    timeline.add_argument("--run-ms", type=float, required=True)
    timeline.add_argument("--bucket", type=float, default=2)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.cmd == "asks":
        asyncio.run(cmd_asks(args))
    elif args.cmd == "seeds":
        asyncio.run(cmd_seeds(args))
    elif args.cmd == "stats":
        asyncio.run(cmd_stats(args))
    elif args.cmd == "report":
        cmd_report(args)
    elif args.cmd == "timeline":
        cmd_timeline(args)


if __name__ == "__main__":
    main()
