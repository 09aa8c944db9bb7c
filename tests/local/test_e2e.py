"""End to end: `make run`'s server as a subprocess on free ports, driven over HTTP the way an
integration drives the Export API (Pleo's documented flow): detect pending jobs, claim the oldest
with `started`, page its items and export items, PUT results in batches of at most 100, close it
with `completed`; then its Step Functions execution, read from the AWS emulator with boto3.

Bounded: the server must be ready within START_TIMEOUT seconds, every request has a timeout, every
wait has a deadline, and the server is stopped (Ctrl-C) at the end.
"""

import base64
import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from standardwebhooks.webhooks import Webhook

from export_api_local.config import LocalConfig
from export_api_local.demo import OPEN_JOBS, job_layout
from tests.local.server import running_server, server_output

# One server per module (its fixture): the module runs on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("local-e2e")]

REQUEST_TIMEOUT = 10.0
PAGE_SIZE = 30
PUT_BATCH = 100
# Enough entries that the oldest pending demo job (20% of them) needs two PUT batches.
DEMO_ENTRIES = 600


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    log: Path
    demo: dict[str, Any]

    @property
    def base_url(self) -> str:
        return str(self.demo["baseUrl"])

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Answer:
        url = self.base_url + path + ("?" + urlencode(query, doseq=True) if query else "")
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                raw, status, got = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, got = error.read(), error.code, dict(error.headers)
        text = raw.decode()
        is_json = str(got.get("content-type") or got.get("Content-Type") or "").startswith("application/json")
        return Answer(status, {k.lower(): v for k, v in got.items()}, json.loads(text) if text and is_json else text)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("make-run"), DEMO_ENTRIES) as running:
        yield Server(running.process, running.log, running.demo)


def _pages(server: Server, path: str, token: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every element of a paginated list, following endCursor with `after`."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(100):
        page = server.call("GET", path, token, {**query, "limit": PAGE_SIZE, **({"after": after} if after else {})})
        assert page.status == 200, page.body
        found += page.body["data"]
        if not page.body["pagination"]["hasNextPage"]:
            return found
        after = page.body["pagination"]["endCursor"]
    raise AssertionError("pagination did not end")


def test_an_integration_exports_the_oldest_pending_job(server: Server) -> None:
    company = server.demo["companies"][0]
    token = company["bearerToken"]

    # Detect: the company's pending jobs, oldest first; claim the oldest.
    pending = server.call(
        "GET",
        "/v3/export-jobs",
        token,
        {"statuses": "pending", "sorting_keys": "createdAt", "sorting_order": "ASC", "limit": 10},
    )
    assert pending.status == 200, pending.body
    assert pending.body["data"], "the demo data has pending jobs"
    assert {j["status"] for j in pending.body["data"]} == {"pending"}
    job = pending.body["data"][0]
    assert job["id"] == company["jobs"]["pending"][0]
    assert job["numberOfItems"] > PUT_BATCH
    claimed = server.call("POST", "/v3/export-job-events", token, body={"jobId": job["id"], "event": "started"})
    assert claimed.status == 202, claimed.body
    assert server.call("GET", f"/v3/export-jobs/{job['id']}", token).body["data"]["status"] == "in_progress"

    # Page the job's items and its export items.
    items = _pages(server, f"/v3/export-jobs/{job['id']}/items", token, {"status": "pending"})
    exports = _pages(server, "/v3/export-items", token, {"job_id": job["id"]})
    entry_ids = [item["accountingEntryId"] for item in items]
    assert len(entry_ids) == len(set(entry_ids)) == job["numberOfItems"]
    assert {e["accountingEntryId"] for e in exports} == set(entry_ids)

    # Export them, then PUT the results in batches of at most 100.
    results = [
        {
            "accountingEntryId": entry_id,
            "status": "successful",
            "exportedAt": "2026-11-01T12:00:00Z",
            "externalId": f"E2E-{index}",
            "externalUrl": f"https://accounting.example.com/vouchers/E2E-{index}",
        }
        for index, entry_id in enumerate(entry_ids)
    ]
    batches = [results[i : i + PUT_BATCH] for i in range(0, len(results), PUT_BATCH)]
    assert len(batches) > 1
    for batch in batches:
        put = server.call("PUT", f"/v3/export-jobs/{job['id']}/items", token, body=batch)
        assert put.status == 200, put.body
        assert put.body["errors"] == []
        assert {item["status"] for item in put.body["data"]} == {"successful"}

    # Close it.
    closed = server.call("POST", "/v3/export-job-events", token, body={"jobId": job["id"], "event": "completed"})
    assert closed.status == 202, closed.body
    done = server.call("GET", f"/v3/export-jobs/{job['id']}", token).body["data"]
    assert done["status"] == "completed"
    assert server.call("GET", f"/v3/export-jobs/{job['id']}/items", token, {"status": "successful", "limit": 0}).body[
        "pagination"
    ]["total"] == len(entry_ids)

    # Trace it: the job's execution in the AWS emulator (when the project provisions the workflow).
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=server.demo["awsEndpoint"],
        region_name=server.demo["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    machines = sfn.list_state_machines()["stateMachines"]
    if not machines:
        assert "stateMachineArn" not in server.demo
        return
    (machine,) = machines
    execution_arn = machine["stateMachineArn"].replace(":stateMachine:", ":execution:", 1) + f":{job['id']}"
    deadline = time.monotonic() + 20
    while sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sfn.describe_execution(executionArn=execution_arn)["status"] == "SUCCEEDED"
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    for state in ("AwaitStart", "JobStatus", "AwaitFinish", "Finalize"):
        assert state in entered, entered
    assert events[-1]["type"] == "ExecutionSucceeded"


def test_a_v3_job_is_readable_the_moment_it_is_created(server: Server) -> None:
    """Pleo's v3 flow from the start: create, read every item at once, claim, report, close."""
    company = server.demo["companies"][1]
    token = company["bearerToken"]
    # One unfinished export per company: close the one the demo left open, if any.
    open_jobs = server.call("GET", "/v3/export-jobs", token, {"statuses": ["pending", "in_progress"]})
    for job in open_jobs.body["data"]:
        event = {"jobId": job["id"], "event": "failed", "failureReasonType": "canceled_by_user"}
        assert server.call("POST", "/v3/export-job-events", token, body=event).status == 202
    entries = company["pendingAccountingEntryIds"][:77]
    created = server.call(
        "POST", "/v3/export-jobs", token, body={"companyId": company["companyId"], "accountingEntryIds": entries}
    )
    assert created.status == 201, created.body
    job = created.body["data"]
    assert (job["status"], job["numberOfItems"]) == ("pending", len(entries))
    # At once, without waiting: every job item and every export item.
    items = _pages(server, f"/v3/export-jobs/{job['id']}/items", token, {})
    assert sorted(i["accountingEntryId"] for i in items) == sorted(entries)
    exports = _pages(server, "/v3/export-items", token, {"job_id": job["id"]})
    assert sorted(e["accountingEntryId"] for e in exports) == sorted(entries)
    again = server.call(
        "POST", "/v3/export-jobs", token, body={"companyId": company["companyId"], "accountingEntryIds": entries}
    )
    assert (again.status, again.body["type"]) == (409, "EXPORT_ALREADY_IN_PROGRESS")

    assert (
        server.call("POST", "/v3/export-job-events", token, body={"jobId": job["id"], "event": "started"}).status == 202
    )
    results = [{"accountingEntryId": e, "status": "successful", "externalId": f"V3-{n}"} for n, e in enumerate(entries)]
    results[0] = {"accountingEntryId": entries[0], "status": "failed", "failureReasonType": "vendor_unknown"}
    put = server.call("PUT", f"/v3/export-jobs/{job['id']}/items", token, body=results)
    assert put.status == 200, put.body
    assert put.body["errors"] == []
    lookup = server.call("GET", "/v3/export-job-items", token, {"accounting_entry_id": entries[0]})
    assert (lookup.body["data"]["exportJobId"], lookup.body["data"]["failureReasonType"]) == (
        job["id"],
        "vendor_unknown",
    )
    closed = {"jobId": job["id"], "event": "completed_with_errors"}
    assert server.call("POST", "/v3/export-job-events", token, body=closed).status == 202
    assert server.call("GET", f"/v3/export-jobs/{job['id']}", token).body["data"]["status"] == "completed_with_errors"


def test_the_demo_data_has_every_job_status(server: Server) -> None:
    statuses: set[str] = set()
    for company in server.demo["companies"]:
        # Most entries are in no job, ready for a new one (one unfinished export per company).
        assert len(company["pendingAccountingEntryIds"]) >= 0.6 * DEMO_ENTRIES
        assert company["apiKey"]
        # One unfinished export per company.
        assert len(company["jobs"].get("pending", []) + company["jobs"].get("in_progress", [])) == 1
        for status, job_ids in company["jobs"].items():
            for job_id in job_ids:
                got = server.call("GET", f"/v3/export-jobs/{job_id}", company["bearerToken"])
                assert got.status == 200
                # The open ones may have been taken further by the tests before this one.
                assert got.body["data"]["status"] == status or status in ("pending", "in_progress")
                statuses.add(status)
    assert len(server.demo["companies"]) >= 2
    assert {"pending", "in_progress", "completed", "completed_with_errors", "failed"} <= statuses


def test_gateway_answers_and_local_pages(server: Server) -> None:
    unknown = server.call("GET", "/v3/no-such-resource")
    assert unknown.status == 404
    assert unknown.body["type"] == "NOT_FOUND"
    anonymous = server.call("GET", "/v3/export-jobs")
    assert anonymous.status == 401
    assert anonymous.body["type"] == "UNAUTHORIZED"
    docs = server.call("GET", "/docs")
    assert docs.status == 200
    assert "/docs/assets/swagger-ui-bundle.js" in docs.body
    assert server.call("GET", "/docs/assets/swagger-ui-bundle.js").status == 200
    assert server.call("GET", "/docs/admin").status == 200
    admin_spec = server.call("GET", "/openapi/admin-api.json")
    assert admin_spec.body["servers"] == [{"url": server.base_url, "description": "This local service (make run)"}]
    # /docs shows the Export API itself: the repository's own contract, every operation of it.
    contract = server.call("GET", "/openapi/export-api.json")
    assert contract.status == 200
    assert contract.body["info"]["version"] == "32.1.0"
    assert {"/v3/export-jobs", "/v3/export-job-items", "/v3/export-job-items:search"} <= set(contract.body["paths"])
    assert "Pleo Export API" in docs.body


def test_a_subscriber_on_loopback_receives_the_signed_created_event(server: Server) -> None:
    """Webhooks under `make run`: subscribe a receiver on 127.0.0.1 (as demo.json says), create a job,
    and get `v1.export-job.created` within seconds, verified with the standardwebhooks library."""
    company = server.demo["companies"][0]
    token = company["bearerToken"]
    with receiver() as (url, got):
        guide = server.demo["webhooks"]["subscribe"]
        assert guide["url"] == server.base_url + "/v1/subscriptions"
        subscribed = server.call("POST", "/v1/subscriptions", token, body={**guide["body"], "endpointUrl": url})
        assert subscribed.status == 200, subscribed.body
        subscription = subscribed.body["data"]["id"]
        secret = server.call("GET", f"/v1/subscriptions/{subscription}/secret", token).body["data"]["secretKey"]
        # One unfinished export per company: close the open ones first (a `failed` event each).
        open_jobs = server.call("GET", "/v3/export-jobs", token, {"statuses": ["pending", "in_progress"]})
        for job in open_jobs.body["data"]:
            closing = {"jobId": job["id"], "event": "failed", "failureReasonType": "canceled_by_user"}
            assert server.call("POST", "/v3/export-job-events", token, body=closing).status == 202
        entries = company["pendingAccountingEntryIds"][-3:]
        created = server.call(
            "POST", "/v3/export-jobs", token, body={"companyId": company["companyId"], "accountingEntryIds": entries}
        )
        assert created.status == 201, created.body
        job = created.body["data"]

        deadline = time.monotonic() + 20
        event: dict[str, Any] | None = None
        while event is None and time.monotonic() < deadline:
            for body, headers in list(got):
                payload = Webhook(secret).verify(body, headers)
                if payload["eventType"] == "v1.export-job.created" and payload["data"]["id"] == job["id"]:
                    event = payload
            time.sleep(0.1)
        assert event is not None, f"no created event within 20 s:\n{server_output(server.log)}"
        assert event["data"] == server.call("GET", f"/v3/export-jobs/{job['id']}", token).body["data"]
        attempts = server.call("GET", f"/v1/subscriptions/{subscription}/deliveries", token).body["data"]
        assert any(a["outcome"] == "succeeded" and a["eventId"] == event["eventId"] for a in attempts)


@contextmanager
def receiver() -> Iterator[tuple[str, list[tuple[bytes, dict[str, str]]]]]:
    """A webhook receiver on 127.0.0.1 in a thread: what it got (body, headers); it answers 204."""
    got: list[tuple[bytes, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.append((body, dict(self.headers.items())))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_address[1]}/hook", got
    finally:
        http.shutdown()
        http.server_close()


def _basic(server: Server, path: str, user: str, password: str) -> int:
    credential = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(server.base_url + path, headers={"Authorization": f"Basic {credential}"})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_api_keys_over_basic_auth_as_pleo_documents_them(server: Server) -> None:
    # `curl -u "$KEY:"`: the key as the user name, an empty password.
    company = server.demo["companies"][0]
    key = company["apiKey"]
    assert _basic(server, "/v3/export-jobs?limit=1", key, "") == 200
    assert _basic(server, "/v3/export-jobs?limit=1", key, "a-password") == 401
    # An admin token is no Export API credential, and an Export API token no admin one.
    assert server.call("GET", "/v3/export-jobs", server.demo["admin"]["bearerToken"]).status == 401
    path = f"/admin/companies/{company['companyId']}/accounting-entries"
    assert server.call("GET", path, company["bearerToken"]).status == 401
    assert server.call("GET", path, server.demo["admin"]["bearerToken"]).status == 200


def test_ctrl_c_stops_the_server_cleanly(server: Server) -> None:
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=15) == 0
    assert "Export API stopped." in server_output(server.log)
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        urllib.request.urlopen(server.base_url + "/health", timeout=2)


def test_make_runs_demo_leaves_500_entries_per_company_in_no_job() -> None:
    entries = LocalConfig().demo_entries_per_company
    for company_index in range(len(OPEN_JOBS)):
        in_jobs = sum(max(2, int(entries * share)) for _, share in job_layout(company_index))
        assert entries - in_jobs >= 500
