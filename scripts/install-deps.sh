#!/usr/bin/env bash
# Install the Debian packages threadgate needs to build, test and benchmark.
#
#   scripts/install-deps.sh
#
# Idempotent: every package is checked with dpkg first, and apt-get (including
# `apt-get update`) runs only when something is missing, so a second run is fast
# and prints a single line. Must run as root (or with sudo available).
#
# Services: apt would normally start the system nginx and PostgreSQL. threadgate's
# tests and benchmarks run their own private instances instead, so this script keeps
# the system services from starting (policy-rc.d during the install) and stops a
# system nginx if one is running anyway.
set -euo pipefail

# What the project needs, and why.
packages=(
    libuv1-dev            # event loop (C library + pkg-config file)
    node-llhttp           # HTTP/1.1 parser C sources, symlinked into Sources/CLLHTTP
    libpq-dev             # PostgreSQL client library
    libcurl4-openssl-dev  # upstream HTTP client library
    pkg-config            # SwiftPM finds the three libraries above through it
    postgresql            # server binaries for private test clusters (`threadgate dev`, tests)
    wrk                   # HTTP load generator (bench/)
    nginx-light           # reference server for bench/healthz.sh
    curl                  # black-box checks (scripts/e2e.sh, bench/)
    python3               # JSON parsing and arithmetic in scripts
    ca-certificates
    # scripts/check-deploy.sh (each check is skipped, not failed, where its tool is missing)
    strace                # the syscalls the release binary makes, against the unit's SystemCallFilter
    binutils              # readelf: no writable+executable segments (MemoryDenyWriteExecute)
    procps                # pgrep: the threadgate process under strace, by parent pid
    systemd               # systemd-analyze verify/security for deploy/systemd (files only; no service starts)
)

# python3-venv only where the installed python3 cannot make a virtual environment
# (Debian's own python3 splits ensurepip out; other python3 builds ship it).
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    packages+=(python3-venv)
fi

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${packages[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} Debian packages already installed"
    exit 0
fi

# Root, or sudo if we are not root.
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo_cmd=(sudo)
    else
        echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "install-deps: installing ${missing[*]}"

# Keep apt from starting system services (nginx on :80, a PostgreSQL cluster on :5432).
# Only a policy file we create here is removed again.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from threadgate scripts/install-deps.sh\nexit 101\n' |
        "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod 755 "$policy"
    created_policy=1
fi
cleanup() {
    if [ "$created_policy" -eq 1 ]; then
        "${sudo_cmd[@]}" rm -f "$policy"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# If the system nginx got started anyway (no policy-rc.d honoured, or it was running
# before), stop it: only the system service, never nginx instances of our own
# (bench/healthz.sh runs those from a private config and prefix).
if [ -e /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid 2>/dev/null)" 2>/dev/null; then
    echo "install-deps: stopping the system nginx service"
    "${sudo_cmd[@]}" service nginx stop >/dev/null 2>&1 || true
fi

still_missing=()
for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still_missing+=("$pkg")
done
if [ "${#still_missing[@]}" -ne 0 ]; then
    echo "install-deps: still missing after install: ${still_missing[*]}" >&2
    exit 1
fi
echo "install-deps: installed ${missing[*]}"
