"""`make run`'s server as a subprocess on free ports, for the tests that drive it over HTTP.

Bounded: ready within START_TIMEOUT seconds or the test fails with the server's output, and
stopped with Ctrl-C (then killed) however the test ends.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export_api_local.template import ROOT

START_TIMEOUT = 45.0
# Variables the test session sets for the in-process tests; the server picks its own.
SESSION_ONLY = (
    "JOBS_TABLE_NAME",
    "ITEMS_TABLE_NAME",
    "IDEMPOTENCY_TABLE_NAME",
    "WEBHOOKS_TABLE_NAME",
    "CURSOR_SECRET_ARN",
    "JWT_PUBLIC_KEYS_ARN",
    "CREDENTIALS_TABLE_NAME",
    "AWS_ENDPOINT_URL",
    "MOTO_PORT",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    log: Path
    demo: dict[str, Any]


def server_output(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else ""


def _wait_until_ready(process: subprocess.Popen[bytes], demo_file: Path, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if demo_file.exists():
            demo: dict[str, Any] = json.loads(demo_file.read_text())
            try:
                with urllib.request.urlopen(demo["baseUrl"] + "/health", timeout=2) as response:
                    if response.status == 200:
                        return demo
            except OSError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"the server was not ready within {START_TIMEOUT} s:\n{server_output(log)}")


@contextmanager
def running_server(
    state: Path, demo_entries: int, settings: Mapping[str, str] | None = None
) -> Iterator[RunningServer]:
    """Start `python -m export_api_local` with its state in `state` (and `settings` in its environment),
    yield it once it is ready."""
    log = state / "server.log"
    environment = {k: v for k, v in os.environ.items() if k not in SESSION_ONLY and not k.startswith("POWERTOOLS_")}
    environment.update(
        {
            "EXPORT_API_PORT": str(free_port()),
            "AWS_EMULATOR_PORT": str(free_port()),
            "LOCAL_STATE_DIR": str(state),
            "DEMO_ENTRIES_PER_COMPANY": str(demo_entries),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")]),
            "PYTHONUNBUFFERED": "1",
            **dict(settings or {}),
        }
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "export_api_local"], cwd=ROOT, env=environment, stdout=output, stderr=output
        )
    try:
        yield RunningServer(process, log, _wait_until_ready(process, state / "demo.json", log))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
