#!/usr/bin/env bash
# Everything on one machine, from a fresh clone: install the Debian packages, build, run
# `threadgate dev` (a private PostgreSQL under .threadgate/, the upstream simulator, the
# gateway on 127.0.0.1:8080; it prints tokens and commands to try). Ctrl-C stops it all.
#
#   scripts/dev.sh [threadgate dev flags...]     e.g. scripts/dev.sh --port 9000
#
# As root the dev cluster runs as the postgres OS user, which must be able to enter the
# working directory (see `threadgate dev --help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
scripts/install-deps.sh
swift build -c release --product threadgate
exec "$(swift build -c release --show-bin-path)/threadgate" dev "$@"
