"""`make browser-check`: the job console in a real browser (headless Chromium from Debian's packages).

Starts `make run`'s server with a small demo, opens the jobs page and the job pages of a finished and
a running demo job over Chromium's DevTools protocol (the admin token sent as an Authorization
header), and fails on any console error, uncaught exception or failed load, on a page that does not
answer 200, or on an empty graph (no states, none entered). Screenshots go to
.local/browser-check/; `--docs` also writes docs/console-job.png (the README's picture).

    python -m tests.browser.console_check [--docs] [--chromium /usr/bin/chromium]
"""

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import websocket

from export_api_local.template import ROOT
from tests.local.server import free_port, running_server

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
WIDTH, HEIGHT = 1360, 900
SHOT_HEIGHT = 1320
STEP_TIMEOUT = 20.0
ASL = json.loads((ROOT / "statemachine" / "export_job.asl.json").read_text())


class BrowserProblem(AssertionError):
    pass


class DevTools:
    """One page's DevTools session: commands by id, events kept for inspection."""

    def __init__(self, url: str) -> None:
        self.socket = websocket.create_connection(url, timeout=STEP_TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise BrowserProblem(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)
        raise BrowserProblem(f"{method}: no answer within {STEP_TIMEOUT} s")

    def wait_for(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < deadline:
            message: dict[str, Any] = json.loads(self.socket.recv())
            self.events.append(message)
            if message.get("method") == method:
                return message
        raise BrowserProblem(f"no {method} within {STEP_TIMEOUT} s")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserProblem(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        self.socket.close()


def problems_in(events: list[dict[str, Any]]) -> list[str]:
    """Console errors, uncaught exceptions and failed loads among the events."""
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(
                "console error: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            found.append("uncaught: " + json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            found.append(f"log error: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Network.loadingFailed":
            found.append(f"load failed: {params.get('errorText')}")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            found.append(f"{params['response']['status']} for {params['response']['url']}")
    return found


@contextmanager
def chromium(executable: str) -> Iterator[DevTools]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="console-check-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", f"--remote-debugging-port={port}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own process group: Chromium's helper processes are stopped with it.
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + STEP_TIMEOUT
            targets: list[dict[str, Any]] = []
            while time.monotonic() < deadline and not targets:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as response:
                        targets = [t for t in json.loads(response.read()) if t.get("type") == "page"]
                except OSError:
                    time.sleep(0.2)
            if not targets:
                raise BrowserProblem(f"Chromium ({executable}) did not open its DevTools port")
            tools = DevTools(targets[0]["webSocketDebuggerUrl"])
            try:
                yield tools
            finally:
                tools.close()
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def visit(tools: DevTools, url: str, screenshot: Path) -> None:
    """Open `url`, wait for it to load, fail on any problem, and take a screenshot of its top."""
    tools.events.clear()
    tools.send("Page.navigate", url=url)
    tools.wait_for("Page.loadEventFired")
    time.sleep(0.3)  # late console messages (deferred scripts)
    tools.evaluate("1")  # drains the events queued meanwhile
    problems = problems_in(tools.events)
    documents = [
        e["params"]["response"]["status"]
        for e in tools.events
        if e.get("method") == "Network.responseReceived" and e["params"].get("type") == "Document"
    ]
    if documents != [200]:
        problems.append(f"the page answered {documents}")
    if problems:
        raise BrowserProblem(f"{url}:\n  " + "\n  ".join(problems))
    # The top of the page, at most SHOT_HEIGHT: what an operator sees first (the history goes on below).
    height = min(SHOT_HEIGHT, int(tools.evaluate("Math.ceil(document.documentElement.scrollHeight)")))
    clip = {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1}
    shot = tools.send("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    print(f"  {url} -> {screenshot.relative_to(ROOT) if screenshot.is_relative_to(ROOT) else screenshot}")


def check_jobs_page(tools: DevTools) -> None:
    rows = tools.evaluate("document.querySelectorAll('main table tbody tr').length")
    links = tools.evaluate("document.querySelectorAll('main a[href^=\"/console/jobs/\"]').length")
    if not rows or not links:
        raise BrowserProblem(f"the jobs page lists {rows} jobs with {links} links")


def check_job_page(tools: DevTools, expect_running: bool) -> None:
    graph = tools.evaluate(
        """(() => {
          const svg = document.querySelector('svg.graph');
          if (!svg) return null;
          const box = svg.getBoundingClientRect();
          return {
            width: box.width, height: box.height,
            states: [...svg.querySelectorAll('[data-state]')].map(g => g.dataset.state),
            visited: svg.querySelectorAll('.state.visited').length,
            current: svg.querySelectorAll('.state.current').length,
            events: document.querySelectorAll('#events ~ .table-wrap tbody tr').length,
          };
        })()"""
    )
    if not graph:
        raise BrowserProblem("the job page has no graph")
    if graph["width"] < 100 or graph["height"] < 100:
        raise BrowserProblem(f"the graph is drawn {graph['width']}x{graph['height']} px")
    if sorted(graph["states"]) != sorted(ASL["States"]):
        raise BrowserProblem(f"the graph's states {graph['states']} are not the ASL's")
    if not graph["visited"] or not graph["events"]:
        raise BrowserProblem(f"the graph marks {graph['visited']} states and the history has {graph['events']} events")
    if bool(graph["current"]) != expect_running:
        raise BrowserProblem(f"{graph['current']} state(s) marked current, running={expect_running}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", action="store_true", help="also write docs/console-job.png")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    started = time.monotonic()
    output = ROOT / ".local" / "browser-check"
    with (
        tempfile.TemporaryDirectory(prefix="console-check-state-") as state,
        running_server(Path(state), demo_entries=80 if args.docs else 20) as server,
    ):
        demo = server.demo
        base = str(demo["baseUrl"])
        company = demo["companies"][0]
        finished = company["jobs"]["completed_with_errors"][0]
        # One unfinished export per company: the second demo company's open job is the running one.
        running = next(c["jobs"]["in_progress"][0] for c in demo["companies"] if "in_progress" in c["jobs"])
        with chromium(args.chromium) as tools:
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.send(f"{domain}.enable")
            tools.send(
                "Network.setExtraHTTPHeaders", headers={"Authorization": f"Bearer {demo['admin']['bearerToken']}"}
            )
            tools.send(
                "Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False
            )
            print("Browser check (headless Chromium):")
            visit(tools, f"{base}/console", output / "console-jobs.png")
            check_jobs_page(tools)
            visit(tools, f"{base}/console/jobs/{finished}", output / "console-job.png")
            check_job_page(tools, expect_running=False)
            visit(tools, f"{base}/console/jobs/{running}", output / "console-job-running.png")
            check_job_page(tools, expect_running=True)
        if args.docs:
            shutil.copyfile(output / "console-job.png", ROOT / "docs" / "console-job.png")
    print(f"Browser check passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrowserProblem as problem:
        print(f"Browser check failed: {problem}", file=sys.stderr)
        sys.exit(1)
