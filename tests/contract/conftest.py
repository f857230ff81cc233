"""Shared fixtures of the contract tests: one `threadgate simulate` per session.

The simulator is started once on a free loopback port and stopped by pid at the end; both
test_simulator_sdk.py (Assistants v2) and test_simulator_responses_sdk.py (Responses +
Conversations) talk to the same process.
"""

import json
import os
import signal
import subprocess
import threading

import pytest

API_KEY = "sk-contract-test-key-0123456789"


@pytest.fixture(scope="session")
def simulator():
    binary = os.environ.get("THREADGATE_BIN", ".build/debug/threadgate")
    env = dict(os.environ, UPSTREAM_API_KEY=API_KEY, LOG_LEVEL="info")
    process = subprocess.Popen(
        [binary, "simulate", "--port", "0", "--run-queued-ms", "20", "--run-duration-ms", "120",
         "--poll-after-ms", "20", "--seed", "4242"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    try:
        line = process.stdout.readline()
        started = json.loads(line)
        assert started["msg"] == "simulator listening", line
        # Keep reading its log so a full pipe never blocks the simulator.
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
        yield started["base_url"]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0
