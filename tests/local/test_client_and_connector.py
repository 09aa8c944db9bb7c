"""The Python client and the reference connector against `make run`'s server over HTTP.

Parts that need work still landing on main are skipped with the reason, detected from the server's
own answers (not assumed): the API key as a basic-auth user name with an empty password, and v3
export items in the published shape (`netAmount`, `_links`, money in minor units).
"""

import asyncio
import base64
import json
import subprocess
import sys
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from export_api_client import AsyncExportApiClient, ExportApiClient, errors
from export_api_connector.chart import Chart
from export_api_connector.flow import Connector
from export_api_connector.ledger import Ledger

from tests.connector.test_connector import Crash, CrashingLedger, bean_check, transactions
from tests.local.server import RunningServer, running_server

# One server per module (its fixture): the module runs on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("local-client")]

T = TypeVar("T")


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run on a loop of its own: asyncio.run() would leave the main thread without a current loop,
    which other tests (and libraries calling asyncio.get_event_loop()) still expect."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(work)
    finally:
        loop.close()


ROOT = Path(__file__).resolve().parents[2]
CHART_FILE = ROOT / "connector" / "examples" / "chart-of-accounts.toml"
DEMO_ENTRIES = 60


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("make-run-client"), DEMO_ENTRIES) as running:
        yield running


def company(server: RunningServer, index: int = 0) -> dict[str, Any]:
    return dict(server.demo["companies"][index])


def client(server: RunningServer, index: int = 0) -> ExportApiClient:
    return ExportApiClient(server.demo["baseUrl"], token=company(server, index)["bearerToken"])


def test_lists_follow_every_cursor_page_and_errors_are_typed(server: RunningServer) -> None:
    with client(server) as api:
        everything = list(api.list_export_jobs())
        paged = list(api.list_export_jobs(page_size=2))
        assert len(everything) > 2
        assert [j.id for j in paged] == [j.id for j in everything]
        job = api.get_export_job(everything[0].id)
        assert job.id == everything[0].id
        items = list(api.list_export_job_items(job.id, page_size=3))
        assert len(items) == job.number_of_items
        with pytest.raises(errors.ExportNotFound) as missing:
            api.get_export_job(uuid.uuid4())
        assert missing.value.type == "EXPORT_NOT_FOUND"
    with pytest.raises(errors.Unauthorized):
        ExportApiClient(server.demo["baseUrl"], token="not-a-token").get_export_job(everything[0].id)


def test_the_async_client_reads_the_same_jobs(server: RunningServer) -> None:
    async def ids() -> list[uuid.UUID]:
        async with AsyncExportApiClient(server.demo["baseUrl"], token=company(server)["bearerToken"]) as api:
            return [job.id async for job in api.list_export_jobs(page_size=3)]

    with client(server) as api:
        assert run_async(ids()) == [job.id for job in api.list_export_jobs()]


def test_an_api_key_as_the_basic_user_name_with_an_empty_password(server: RunningServer) -> None:
    key = company(server)["apiKey"]
    with ExportApiClient(server.demo["baseUrl"], api_key=key) as api:
        try:
            jobs = list(api.list_export_jobs())
        except errors.Unauthorized:
            key_id, _, secret = key.partition(":")
            legacy = httpx.get(
                server.demo["baseUrl"] + "/v3/export-jobs",
                headers={"Authorization": "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()},
                timeout=10,
            )
            if legacy.status_code == 200:
                pytest.skip("the server still takes the API key as keyId:secret, not as an opaque user name")
            raise
    assert jobs


def _published_items(server: RunningServer, api: ExportApiClient) -> bool:
    """Whether the server's v3 export items have the published shape (the connector needs it)."""
    for job in api.list_export_jobs(statuses=["pending", "in_progress"]):
        page = httpx.get(
            server.demo["baseUrl"] + "/v3/export-items",
            params={"job_id": str(job.id), "limit": 1},
            headers={"Authorization": "Bearer " + company(server)["bearerToken"]},
            timeout=10,
        ).json()
        for item in page.get("data", []):
            return "_links" in item and all("netAmount" in line for line in item["accountingEntryLines"])
    return True


def test_the_connector_books_the_demo_company_resumes_after_a_crash_and_books_nothing_twice(
    server: RunningServer, tmp_path: Path
) -> None:
    chart = Chart.load(CHART_FILE)
    ledger_path = tmp_path / "books.beancount"
    with client(server) as api:
        if not _published_items(server, api):
            pytest.skip("the server's v3 export items are not yet in the published shape (netAmount, _links)")
        first = Connector(api, Ledger(ledger_path, chart)).next_job()
        assert first is not None, "the demo data has an open export job"
        half = first.number_of_items // 2
        # Killed after booking half the items of the first job.
        with pytest.raises(Crash), CrashingLedger(ledger_path, chart, crash_after=half) as ledger:
            Connector(api, ledger).run()
        assert api.get_export_job(first.id).status == "in_progress"
        assert len(transactions(ledger_path)) == half

    # Run again, as an operator would: the console script, on make run's demo.json.
    command = [
        str(Path(sys.executable).with_name("export-api-connector")),
        "--demo",
        str(_demo_file(server, tmp_path)),
        "--ledger",
        str(ledger_path),
        "--chart",
        str(CHART_FILE),
    ]
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"job {first.id} (resumed)" in rerun.stdout

    with client(server) as api:
        closed = api.get_export_job(first.id)
        assert closed.status in ("completed", "completed_with_errors")
        assert not list(api.list_export_jobs(statuses=["pending", "in_progress"]))
        reported = list(api.list_export_job_items(first.id))
        assert {i.status for i in reported} <= {"successful", "failed"}
        failed = [i for i in reported if i.status == "failed"]
        assert all(i.failure_reason_type for i in failed)
        assert (closed.status == "completed") == (not failed)
    booked = transactions(ledger_path)
    assert len(booked) == len(set(booked))
    bean_check(ledger_path)

    # Once more: nothing open, nothing booked.
    before = ledger_path.read_text()
    again = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "no open export job" in again.stdout
    assert ledger_path.read_text() == before


def _demo_file(server: RunningServer, tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(server.demo))
    return path
