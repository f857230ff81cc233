"""Checks of deploy/ that a schema cannot express: how the files fit together and fit threadgate.

    python scripts/check-deploy-policy.py k8s DIR            # deploy/k8s/*.yaml
    python scripts/check-deploy-policy.py compose FILE       # deploy/compose.yaml
    python scripts/check-deploy-policy.py systemd DIR        # deploy/systemd/*.service + env example
    python scripts/check-deploy-policy.py syscalls UNIT STRACE_SUMMARY...

Run by scripts/check-deploy.sh with the venv's python (PyYAML). Prints `ok - ...` or
`not ok - ...` per rule and exits 1 if any rule failed. The schema checks (kubernetes-validate,
check-jsonschema) run separately; this is the part that knows threadgate: probe paths, the
drain period against the grace periods, pool sizing, loopback-only ports, migration ordering.
"""

import glob
import os
import re
import subprocess
import sys

import yaml

failures = 0

# PostgreSQL's default max_connections, minus a few for superuser and maintenance.
PG_CONNECTION_BUDGET = 100 - 10
# After the HTTP drain the gateway closes its pools for at most this long (GatewayServer.poolCloseLimit).
POOL_CLOSE_SECONDS = 3
# The non-secret settings of BRIEF §6 the ConfigMap carries, and the secrets the Secret carries.
CONFIG_KEYS = ["UPSTREAM_BASE_URL", "UPSTREAM_DIALECT", "ASSISTANT_ID", "AUTH_ISSUER", "AUTH_AUDIENCE", "PORT", "WORKERS"]
SECRET_KEYS = ["DATABASE_URL", "UPSTREAM_API_KEY", "AUTH_JWT_SECRET"]


def check(ok, what):
    global failures
    if ok:
        print(f"ok - {what}")
    else:
        failures += 1
        print(f"not ok - {what}")
    return ok


def load_all(paths):
    docs = []
    for path in paths:
        with open(path) as f:
            docs.extend(d for d in yaml.safe_load_all(f) if d)
    return docs


def seconds(text):
    """'20s', '1m30s', '15' -> seconds."""
    text = str(text)
    if re.fullmatch(r"\d+", text):
        return int(text)
    total = 0
    for number, unit in re.findall(r"(\d+)(h|m|s)", text):
        total += int(number) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


def prestop_sleep(container):
    handler = container.get("lifecycle", {}).get("preStop", {})
    if "sleep" in handler:
        return int(handler["sleep"].get("seconds", 0))
    command = handler.get("exec", {}).get("command", [])
    if len(command) == 2 and command[0] in ("sleep", "/bin/sleep") and command[1].isdigit():
        return int(command[1])
    return 0


def k8s(directory):
    paths = sorted(p for p in glob.glob(os.path.join(directory, "*.yaml")) if not p.endswith("kustomization.yaml"))
    docs = load_all(paths)
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    for kind in ["ConfigMap", "Secret", "Deployment", "Service", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget"]:
        check(len(by_kind.get(kind, [])) == 1, f"k8s: exactly one {kind}")
    check(all("namespace" not in d["metadata"] for d in docs), "k8s: namespace-agnostic (no metadata.namespace)")
    if failures:
        return

    config = by_kind["ConfigMap"][0]["data"]
    secret = by_kind["Secret"][0].get("stringData", {})
    deployment = by_kind["Deployment"][0]
    job = by_kind["Job"][0]
    service = by_kind["Service"][0]
    hpa = by_kind["HorizontalPodAutoscaler"][0]
    pdb = by_kind["PodDisruptionBudget"][0]

    check(all(k in config for k in CONFIG_KEYS), f"k8s: ConfigMap has {', '.join(CONFIG_KEYS)}")
    check(all(k in secret for k in SECRET_KEYS), f"k8s: Secret (stringData) has {', '.join(SECRET_KEYS)}")
    check(not (set(secret) & set(config)), "k8s: no key is both in the ConfigMap and the Secret")

    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    replicas = deployment["spec"]["replicas"]
    check(replicas >= 2, f"k8s: Deployment runs {replicas} replicas (>= 2)")
    check(container.get("args", [None])[0] == "serve", "k8s: Deployment runs `threadgate serve`")
    check(job["spec"]["template"]["spec"]["containers"][0].get("args") == ["migrate"], "k8s: Job runs `threadgate migrate`")
    port = int(config["PORT"])
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    check(ports.get("http") == port, f"k8s: containerPort http = PORT ({port})")

    def probe(name, path):
        p = container.get(name, {}).get("httpGet", {})
        return check(p.get("path") == path and p.get("port") in ("http", port), f"k8s: {name} GET {path}")

    probe("readinessProbe", "/readyz")
    probe("livenessProbe", "/healthz")
    probe("startupProbe", "/healthz")

    for name, spec in [("Deployment", pod), ("Job", job["spec"]["template"]["spec"])]:
        (c,) = spec["containers"]
        psc, csc = spec.get("securityContext", {}), c.get("securityContext", {})
        check(psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 10001, f"k8s: {name} runs as non-root uid 10001")
        check(csc.get("readOnlyRootFilesystem") is True, f"k8s: {name} has a read-only root file system")
        check(csc.get("allowPrivilegeEscalation") is False, f"k8s: {name} forbids privilege escalation")
        check(csc.get("capabilities", {}).get("drop") == ["ALL"], f"k8s: {name} drops ALL capabilities")
        res = c.get("resources", {})
        check(all(k in res.get(t, {}) for t in ("requests", "limits") for k in ("cpu", "memory")),
              f"k8s: {name} sets cpu and memory requests and limits")
        env_from = {e.get("configMapRef", e.get("secretRef", {})).get("name") for e in c.get("envFrom", [])}
        check(env_from == {config_name(by_kind), secret_name(by_kind)}, f"k8s: {name} reads the ConfigMap and the Secret")

    grace = int(config.get("SHUTDOWN_GRACE_SECONDS", 10))
    sleep = prestop_sleep(container)
    termination = pod.get("terminationGracePeriodSeconds", 30)
    check(sleep > 0, f"k8s: preStop sleeps ({sleep} s) so endpoints drain before SIGTERM")
    check(termination > sleep + grace + POOL_CLOSE_SECONDS,
          f"k8s: terminationGracePeriodSeconds {termination} > preStop {sleep} + drain {grace} + pool close {POOL_CLOSE_SECONDS}")

    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selects = lambda selector: all(labels.get(k) == v for k, v in selector.items())
    check(selects(deployment["spec"]["selector"]["matchLabels"]), "k8s: Deployment selector matches its pods")
    check(selects(service["spec"]["selector"]), "k8s: Service selects the gateway pods")
    check(service["spec"]["ports"][0]["targetPort"] in ("http", port), "k8s: Service targets the http port")
    check(selects(pdb["spec"]["selector"]["matchLabels"]), "k8s: PodDisruptionBudget selects the gateway pods")
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    check(not all(job_labels.get(k) == v for k, v in service["spec"]["selector"].items()),
          "k8s: the migration Job's pod is not behind the Service")
    target = hpa["spec"]["scaleTargetRef"]
    check(target["kind"] == "Deployment" and target["name"] == deployment["metadata"]["name"], "k8s: HPA scales the Deployment")
    check(any(m.get("resource", {}).get("name") == "cpu" for m in hpa["spec"]["metrics"]), "k8s: HPA scales on CPU")
    min_available = pdb["spec"].get("minAvailable")
    check(min_available == 1 and hpa["spec"]["minReplicas"] > min_available and replicas > min_available,
          "k8s: PDB minAvailable 1 leaves room for a voluntary eviction (replicas and HPA minimum above it)")
    workers, pool_max = int(config["WORKERS"]), int(config.get("DB_POOL_MAX", 10))
    connections = hpa["spec"]["maxReplicas"] * workers * pool_max
    check(connections <= PG_CONNECTION_BUDGET,
          f"k8s: HPA maxReplicas × WORKERS × DB_POOL_MAX = {connections} <= {PG_CONNECTION_BUDGET} (PostgreSQL's default max_connections 100 less 10)")
    cpu_limit = str(container["resources"]["limits"]["cpu"])
    cpu_cores = int(cpu_limit[:-1]) / 1000 if cpu_limit.endswith("m") else float(cpu_limit)
    check(workers <= max(1, cpu_cores), f"k8s: WORKERS {workers} <= the CPU limit ({cpu_limit})")


def config_name(by_kind):
    return by_kind["ConfigMap"][0]["metadata"]["name"]


def secret_name(by_kind):
    return by_kind["Secret"][0]["metadata"]["name"]


def compose(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    services = doc.get("services", {})
    check(set(services) >= {"postgres", "simulator", "migrate", "threadgate"}, "compose: services postgres, simulator, migrate, threadgate")
    if failures:
        return
    for name, service in services.items():
        for port in service.get("ports", []):
            check(str(port).startswith("127.0.0.1:"), f"compose: {name} publishes {port} on 127.0.0.1 only")
    pg = services["postgres"]
    check("pg_isready" in " ".join(pg.get("healthcheck", {}).get("test", [])), "compose: postgres healthcheck runs pg_isready")
    check(any(":/var/lib/postgresql/data" in str(v) for v in pg.get("volumes", [])), "compose: postgres data on a volume")
    commands = {name: (services[name].get("command") or [None])[0] for name in ("simulator", "migrate", "threadgate")}
    check(commands == {"simulator": "simulate", "migrate": "migrate", "threadgate": "serve"},
          "compose: the simulator, migrate and threadgate services run simulate, migrate and serve")
    images = {services[name].get("image") for name in ("simulator", "migrate", "threadgate")}
    check(len(images) == 1, "compose: simulator, migrate and threadgate use the same image")
    check(services["migrate"].get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy",
          "compose: migrate waits for a healthy postgres")
    check(services["migrate"].get("restart", "no") == "no", "compose: migrate is one-shot (restart: no)")
    deps = services["threadgate"].get("depends_on", {})
    check(deps.get("migrate", {}).get("condition") == "service_completed_successfully",
          "compose: threadgate starts after migrate completed successfully")
    gateway_env = services["threadgate"].get("environment", {})
    simulator_env = services["simulator"].get("environment", {})
    check(all(k in gateway_env for k in CONFIG_KEYS + SECRET_KEYS), "compose: threadgate gets every BRIEF §6 setting")
    check(gateway_env.get("UPSTREAM_API_KEY") == simulator_env.get("UPSTREAM_API_KEY"),
          "compose: gateway and simulator share UPSTREAM_API_KEY")
    check("simulator:" in str(gateway_env.get("UPSTREAM_BASE_URL")), "compose: the gateway's upstream is the simulator service")
    check(services["migrate"].get("environment", {}).get("DATABASE_URL") == gateway_env.get("DATABASE_URL"),
          "compose: migrate and threadgate use the same DATABASE_URL")
    check("healthz" in " ".join(services["threadgate"].get("healthcheck", {}).get("test", [])), "compose: threadgate healthcheck on /healthz")
    grace = int(gateway_env.get("SHUTDOWN_GRACE_SECONDS", 10))
    stop = seconds(services["threadgate"].get("stop_grace_period", "10s"))
    check(stop > grace + POOL_CLOSE_SECONDS, f"compose: stop_grace_period {stop}s > drain {grace}s + pool close {POOL_CLOSE_SECONDS}s")


def unit_settings(path):
    settings = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        settings.setdefault(key, []).append(value)
    return settings


def systemd(directory):
    env, mentioned = {}, set()
    for line in open(os.path.join(directory, "threadgate.env.example")):
        if "=" in line:
            key, value = line.strip().lstrip("#").strip().split("=", 1)
            mentioned.add(key)
            if not line.lstrip().startswith("#"):
                env[key] = value
    # WORKERS may stay commented out there: on a host, the default (one per core) is right.
    check(all(k in mentioned for k in CONFIG_KEYS + SECRET_KEYS), "systemd: threadgate.env.example names every BRIEF §6 setting")
    gateway = unit_settings(os.path.join(directory, "threadgate.service"))
    migrate = unit_settings(os.path.join(directory, "threadgate-migrate.service"))
    check(gateway.get("ExecStart", [""])[-1].split()[1:2] == ["serve"], "systemd: threadgate.service runs `threadgate serve`")
    check(migrate.get("ExecStart", [""])[-1].split()[1:2] == ["migrate"], "systemd: threadgate-migrate.service runs `threadgate migrate`")
    check("threadgate-migrate.service" in " ".join(gateway.get("After", [])), "systemd: the gateway starts after the migrations")
    for name, unit in [("threadgate.service", gateway), ("threadgate-migrate.service", migrate)]:
        check(unit.get("EnvironmentFile") == ["/etc/threadgate/threadgate.env"], f"systemd: {name} reads /etc/threadgate/threadgate.env")
        for key, want in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("MemoryDenyWriteExecute", "yes"),
                          ("CapabilityBoundingSet", ""), ("AmbientCapabilities", ""), ("PrivateDevices", "yes")]:
            check(unit.get(key, [None])[-1] == want, f"systemd: {name} {key}={want}")
    grace = int(env.get("SHUTDOWN_GRACE_SECONDS", 10))
    stop = seconds(gateway.get("TimeoutStopSec", ["90"])[-1])
    check(gateway.get("KillSignal") == ["SIGTERM"] and stop > grace + POOL_CLOSE_SECONDS,
          f"systemd: KillSignal=SIGTERM, TimeoutStopSec {stop}s > drain {grace}s + pool close {POOL_CLOSE_SECONDS}s")


def syscall_groups():
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], capture_output=True, text=True, check=True).stdout
    groups, current = {}, None
    for line in out.splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not line.startswith(" ") and text.startswith("@"):
            current = text
            groups[current] = []
        elif current:
            groups[current].append(text)
    return groups


def expand(groups, name, seen):
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    result = set()
    for item in groups.get(name, []):
        result |= expand(groups, item, seen)
    return result


def syscalls(unit, summaries):
    """The syscalls strace saw threadgate make must all pass the unit's SystemCallFilter."""
    groups = syscall_groups()
    allowed, denied = None, set()
    for value in unit_settings(unit).get("SystemCallFilter", []):
        deny = value.startswith("~")
        names = set()
        for item in value.lstrip("~").split():
            names |= expand(groups, item, set())
        if deny:
            denied |= names
        else:
            allowed = names if allowed is None else allowed | names
    used = set()
    for path in summaries:
        for line in open(path):
            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+\d+(?:\s+\d+)?\s+(\w+)\s*$", line)
            if m and m.group(1) != "total":
                used.add(m.group(1))
    blocked = sorted(s for s in used if (allowed is not None and s not in allowed) or s in denied)
    check(used and not blocked,
          f"systemd: the {len(used)} syscalls threadgate made in the smoke runs all pass SystemCallFilter"
          + (f" (blocked: {', '.join(blocked)})" if blocked else ""))


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    {"k8s": lambda: k8s(args[0]), "compose": lambda: compose(args[0]), "systemd": lambda: systemd(args[0]),
     "syscalls": lambda: syscalls(args[0], args[1:])}[mode]()
    sys.exit(1 if failures else 0)
