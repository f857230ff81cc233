#!/usr/bin/env bash
# Contract test: the official `openai` Python SDK (PyPI) against `threadgate simulate` (the
# Assistants v2 side in test_simulator_sdk.py, Responses + Conversations in
# test_simulator_responses_sdk.py), and openapi/openapi.json checked by openapi-spec-validator
# (PyPI) and served by `threadgate serve`. Every tests/contract/test_*.py runs.
#
#   tests/contract/run.sh            # builds threadgate, prepares the venv, runs pytest
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

echo "contract: openai $("$venv/bin/python" -c 'import openai; print(openai.__version__)') against $THREADGATE_BIN"
exec timeout --kill-after=10 300 "$venv/bin/python" -m pytest -p no:cacheprovider -q -ra -W ignore::DeprecationWarning \
    "$repo_root"/tests/contract/test_*.py
