"""The job console in a real browser: Debian's Chromium driven by Playwright (no browser download).

`make run`'s server with a small demo; the jobs page and the job pages of a finished and a running demo
job, the admin token sent as an Authorization header. A page fails on any console error, uncaught
exception, failed load or answer of 400 or more, on a document that does not answer 200, or on an empty
graph (no states, none entered). Screenshots go to .local/browser-check/; with BROWSER_CHECK_DOCS=1 the
finished job's also to docs/console-job.png (the README's picture).
"""

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

from export_api_local.template import ROOT
from tests.local.server import RunningServer, running_server

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DOCS = os.environ.get("BROWSER_CHECK_DOCS") == "1"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (make browser-install installs it)"
    ),
]

WIDTH, HEIGHT = 1360, 900
# What an operator sees first (the history goes on below).
SHOT_HEIGHT = 1320
OUTPUT = ROOT / ".local" / "browser-check"
ASL = json.loads((ROOT / "statemachine" / "export_job.asl.json").read_text())
GRAPH = """() => {
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
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    # The docs' picture wants a fuller history.
    with running_server(tmp_path_factory.mktemp("browser-state"), demo_entries=80 if DOCS else 20) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # No GPU and a closed network on CI: Playwright already turns off background networking, component
        # updates and sync; QUIC and the GPU are the rest.
        yield playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-quic", "--disable-gpu"])


@pytest.fixture
def page(browser: Browser, server: RunningServer) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        extra_http_headers={"Authorization": f"Bearer {server.demo['admin']['bearerToken']}"},
    )
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def visit(page: Page, url: str, screenshot: str) -> None:
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "assert"):
            problems.append(f"console {message.type}: {message.text}")

    def response(answer: Response) -> None:
        if answer.status >= 400:
            problems.append(f"{answer.status} for {answer.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"load failed: {request.url} {request.failure}"))
    answer = page.goto(url)
    page.wait_for_timeout(300)  # late console messages (deferred scripts)
    if answer is None or answer.status != 200 or answer.request.redirected_from:
        problems.append(f"the document answered {answer.status} at {answer.url}" if answer else "no document")
    assert not problems, f"{url}:\n  " + "\n  ".join(problems)
    height = min(SHOT_HEIGHT, page.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=OUTPUT / screenshot, full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height})


def test_jobs_page_lists_jobs(page: Page, server: RunningServer) -> None:
    visit(page, f"{server.demo['baseUrl']}/console", "console-jobs.png")
    assert page.locator("main table tbody tr").count()
    assert page.locator('main a[href^="/console/jobs/"]').count()


@pytest.mark.parametrize("running", [False, True], ids=["finished", "running"])
def test_job_page_draws_the_graph(page: Page, server: RunningServer, running: bool) -> None:
    companies: list[dict[str, Any]] = server.demo["companies"]
    if running:
        # One unfinished export per company: the second demo company's open job is the running one.
        job = next(c["jobs"]["in_progress"][0] for c in companies if "in_progress" in c["jobs"])
    else:
        job = companies[0]["jobs"]["completed_with_errors"][0]
    screenshot = "console-job-running.png" if running else "console-job.png"
    visit(page, f"{server.demo['baseUrl']}/console/jobs/{job}", screenshot)
    graph = page.evaluate(GRAPH)
    assert graph, "the job page has no graph"
    assert min(graph["width"], graph["height"]) >= 100, f"the graph is drawn {graph['width']}x{graph['height']} px"
    assert sorted(graph["states"]) == sorted(ASL["States"])
    assert graph["visited"], graph
    assert graph["events"], graph
    assert bool(graph["current"]) == running, graph
    if DOCS and not running:
        shutil.copyfile(OUTPUT / screenshot, ROOT / "docs" / "console-job.png")
