"""`make run`'s server (`python -m export_api_local`) as a subprocess on free ports of 127.0.0.1, for the
callers that drive it over HTTP (the tests of tests/local, the soak benchmark).

Bounded: ready within its start timeout (its demo file written and /health answering) or a RuntimeError
with the server's output, and stopped with Ctrl-C (then killed) however the caller's block ends.
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_process(process: "subprocess.Popen[Any]", signum: int, timeout: float = 15.0) -> None:
    """`signum` (the server's clean stop), then a kill if it has not ended within `timeout` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signum)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def server_output(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else ""


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    log: Path
    #: The server's demo file (demo.json): its URLs, ids and credentials.
    demo: dict[str, Any]


def _wait_until_ready(process: subprocess.Popen[bytes], demo_file: Path, log: Path, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if demo_file.exists():
            demo: dict[str, Any] = json.loads(demo_file.read_text())
            try:
                with urllib.request.urlopen(demo["baseUrl"] + "/health", timeout=2) as response:
                    if response.status == 200:
                        return demo
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"make run's server was not ready within {timeout:g} s:\n{server_output(log)}")


@contextmanager
def server_process(
    state: Path, environment: Mapping[str, str], timeout: float = START_TIMEOUT
) -> Iterator[ServerProcess]:
    """The server with `environment`, its state (demo.json, its log) in `state`, on free ports; yielded
    once it is ready."""
    state.mkdir(parents=True, exist_ok=True)
    log = state / "server.log"
    env = {
        **environment,
        "EXPORT_API_PORT": str(free_port()),
        "AWS_EMULATOR_PORT": str(free_port()),
        "LOCAL_STATE_DIR": str(state),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")]),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "export_api_local"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        yield ServerProcess(process, log, _wait_until_ready(process, state / "demo.json", log, timeout))
    finally:
        stop_process(process, signal.SIGINT)
