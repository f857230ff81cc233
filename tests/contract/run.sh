#!/usr/bin/env bash
# Contract test: the official `openai` Python SDK (PyPI) against `threadgate simulate` (the
# Assistants v2 side in test_simulator_sdk.py, Responses + Conversations in
# test_simulator_responses_sdk.py) and against the gateway (`threadgate serve` on the simulator
# and PostgreSQL, test_gateway_sdk.py), and openapi/openapi.json checked by
# openapi-spec-validator (PyPI) and served by `threadgate serve`. Every tests/contract/test_*.py runs.
#
#   tests/contract/run.sh            # builds threadgate, prepares the venv, runs pytest
#
# Runs every tests/contract/test_*.py. The gateway tests need a PostgreSQL server: the one in
# TEST_DATABASE_URL when set (scripts/test.sh exports it from its pg step), else a throwaway
# cluster from scripts/pg-test-cluster.sh, started here and stopped at exit (a cluster already
# running from this tree is reused and left running). Each test module creates its own database
# on that server and drops it. THREADGATE_SKIP_DB_TESTS=1 starts no cluster; the gateway tests
# are then skipped.
#
# The venv lives in .build-venv/contract (ignored by git through `.build-*/`). The SDK version is
# pinned to one that still ships `client.beta.threads` with `create_and_poll`, `stream` and
# `submit_tool_outputs_and_poll` (ASSISTANTS-V2-NOTES §10); override with OPENAI_VERSION
# (openapi-spec-validator with OPENAPI_SPEC_VALIDATOR_VERSION).
# THREADGATE_BIN skips the build and uses that binary. Ends with pytest's summary line.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo_root=$PWD

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

openai_version="${OPENAI_VERSION:-3.51.0}"
pytest_spec="${PYTEST_SPEC:-pytest>=8,<9}"
validator_version="${OPENAPI_SPEC_VALIDATOR_VERSION:-0.9.0}"
venv="$repo_root/.build-venv/contract"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "contract: creating $venv"
    "$python" -m venv "$venv"
fi
installed=$("$venv/bin/python" -c 'import openai; print(openai.__version__)' 2>/dev/null || true)
validator_installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))' 2>/dev/null || true)
if [ "$installed" != "$openai_version" ] || [ "$validator_installed" != "$validator_version" ] \
    || ! "$venv/bin/python" -c 'import pytest' 2>/dev/null; then
    echo "contract: installing openai==$openai_version, openapi-spec-validator==$validator_version and $pytest_spec"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "openai==$openai_version" \
        "openapi-spec-validator==$validator_version" "$pytest_spec"
fi

if [ -z "${THREADGATE_BIN:-}" ]; then
    echo "contract: swift build --product threadgate"
    swift build --product threadgate
    THREADGATE_BIN="$(swift build --show-bin-path)/threadgate"
fi
export THREADGATE_BIN

# A PostgreSQL server for the gateway tests: TEST_DATABASE_URL, else our own throwaway cluster.
started_pg=0
# shellcheck disable=SC2317  # called from the EXIT trap
stop_pg() {
    if [ "$started_pg" = 1 ]; then
        bash scripts/pg-test-cluster.sh stop >/dev/null 2>&1 || true
    fi
}
trap stop_pg EXIT
if [ -n "${TEST_DATABASE_URL:-}" ]; then
    echo "contract: PostgreSQL from TEST_DATABASE_URL"
elif [ "${THREADGATE_SKIP_DB_TESTS:-0}" = 1 ]; then
    echo "contract: THREADGATE_SKIP_DB_TESTS=1: no PostgreSQL, the gateway tests are skipped"
else
    if ! bash scripts/pg-test-cluster.sh env >/dev/null 2>&1; then
        started_pg=1
    fi
    # The script prints `export TEST_DATABASE_URL='...'`; take the value, no eval.
    pg_line=$(bash scripts/pg-test-cluster.sh start | grep -E "^export TEST_DATABASE_URL=" | tail -n 1 || true)
    pg_url=${pg_line#export TEST_DATABASE_URL=}
    pg_url=${pg_url#\'}
    pg_url=${pg_url%\'}
    if [ -z "$pg_url" ]; then
        echo "contract: scripts/pg-test-cluster.sh start gave no TEST_DATABASE_URL" >&2
        exit 1
    fi
    export TEST_DATABASE_URL="$pg_url"
    echo "contract: PostgreSQL from scripts/pg-test-cluster.sh ($TEST_DATABASE_URL)"
fi

tests=("$repo_root"/tests/contract/test_*.py)
echo "contract: openai $("$venv/bin/python" -c 'import openai; print(openai.__version__)') against $THREADGATE_BIN;" \
    "${#tests[@]} test files"
# Not exec: the EXIT trap stops the cluster started above.
rc=0
timeout --kill-after=10 600 "$venv/bin/python" -m pytest -p no:cacheprovider -q -ra -W ignore::DeprecationWarning \
    "${tests[@]}" || rc=$?
exit "$rc"
