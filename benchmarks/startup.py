"""Section 9: how long until an integrator can send a request.

- `make run` (installed): `python -m export_api_local` with its default demo (two companies, their
  entries and jobs made through the API), from the process's start until demo.json is written and
  /health answers. Goal: 10 s.
- The pytest fixture (`export_api_sandbox`): `running_sandbox()` in a fresh interpreter, from the call
  until it yields (stack up, HTTP server listening, a company set up). Goal: 5 s. The interpreter's
  start and the imports before the call are kept in the JSON (`process_seconds`).
- `export-api-sandbox`, the same stack for other languages' tests: from the command's start until its
  JSON line is written. Goal: the fixture's, 5 s.

Each in a process of its own with a shell's environment (nothing of the benchmark's moto), samples
one after the other; the figure is their median, the slowest is kept too.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.config import Sizes
from benchmarks.report import ROOT, Row, verdict
from export_api_local.process import server_process, stop_process

SECTION = "9 startup"
MAKE_RUN_GOAL = 10.0
FIXTURE_GOAL = 5.0
_SHELL = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")

# The fixture's start, timed in a fresh interpreter: what a test session pays before its first test.
_FIXTURE_CHILD = """
import json, time
began = time.monotonic()
from export_api_local.sandbox import running_sandbox
called = time.monotonic()
with running_sandbox() as sandbox:
    ready = time.monotonic()
print(json.dumps({"fixture_seconds": ready - called, "process_seconds": ready - began}))
"""


def _shell_environment() -> dict[str, str]:
    environment = {name: os.environ[name] for name in _SHELL if name in os.environ}
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")])
    return environment


def make_run_seconds(demo_entries: int | None) -> float:
    environment = {**_shell_environment(), "ACCESS_LOG": "0"}
    if demo_entries is not None:
        environment["DEMO_ENTRIES_PER_COMPANY"] = str(demo_entries)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as state:
        began = time.monotonic()
        with server_process(Path(state), environment):
            return time.monotonic() - began


def fixture_seconds() -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", _FIXTURE_CHILD],
        cwd=ROOT,
        env=_shell_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def command_seconds() -> float:
    command = Path(sys.executable).with_name("export-api-sandbox")
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as directory:
        output = Path(directory) / "sandbox.json"
        began = time.monotonic()
        process = subprocess.Popen(
            [str(command), "--output", str(output)],
            env=_shell_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            while not output.exists():
                if process.poll() is not None or time.monotonic() - began > 120:
                    raise RuntimeError(f"export-api-sandbox did not start: {process.communicate()[1]!r}")
                time.sleep(0.02)
            return time.monotonic() - began
        finally:
            stop_process(process, signal.SIGTERM, timeout=20)


def _row(case: str, samples: list[float], goal: float, details: dict[str, object]) -> Row:
    median = statistics.median(samples)
    return Row(
        SECTION,
        case,
        f"{median:.1f} s",
        goal=f"<= {goal:g} s",
        verdict=verdict(median <= goal),
        details={
            "samples_seconds": [round(s, 2) for s in samples],
            "slowest_seconds": round(max(samples), 2),
            **details,
        },
    )


def run(sizes: Sizes) -> list[Row]:
    demo_entries = None if sizes.startup_demo_entries == 0 else sizes.startup_demo_entries
    make_run = [make_run_seconds(demo_entries) for _ in range(sizes.startup_samples)]
    fixture = [fixture_seconds() for _ in range(sizes.startup_samples)]
    command = [command_seconds() for _ in range(sizes.startup_samples)]
    demo = "default demo" if demo_entries is None else f"demo of {demo_entries} entries a company"
    return [
        _row(f"make run ({demo}): start to serving", make_run, MAKE_RUN_GOAL, {"demo_entries": demo_entries}),
        _row(
            "pytest fixture export_api_sandbox: call to yield",
            [f["fixture_seconds"] for f in fixture],
            FIXTURE_GOAL,
            {"process_seconds": [round(f["process_seconds"], 2) for f in fixture]},
        ),
        _row("export-api-sandbox: start to its JSON line", command, FIXTURE_GOAL, {}),
    ]
