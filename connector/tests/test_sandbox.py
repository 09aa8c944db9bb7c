"""The reference connector against the Export API sandbox (the `export_api_sandbox` pytest fixture): what
breaks connectors in production, provoked with the test helpers. Each test has a company of its own.

- a job that expires while the connector works on it (its company's test clock advanced) is left, and
  the next job, holding the entries that came back, is booked without booking any of them twice;
- a storm of 429s and a 503 on a PUT of results are retried (the PUT with its Idempotency-Key)
  without booking anything twice.

`bean-check` passes on the ledger after each.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
from export_api_client import ExportApiClient, RetryPolicy, models
from export_api_connector.chart import Chart
from export_api_connector.flow import Connector
from export_api_connector.ledger import Ledger

from export_api_local.sandbox import Company, Sandbox
from tests.connector.test_connector import bean_check, transactions

CHART = Chart.load(Path(__file__).resolve().parents[1] / "examples" / "chart-of-accounts.toml")
# Quick retries: the faults here answer Retry-After 0 or none.
RETRY = RetryPolicy(backoff_base=0.05)


class RecordingTransport(httpx.HTTPTransport):
    """Every exchange's method, path, status and Idempotency-Key, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[str, str, int, str | None]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        key = request.headers.get("Idempotency-Key")
        self.exchanges.append((request.method, request.url.path, response.status_code, key))
        return response


def client(sandbox: Sandbox, company: Company, transport: httpx.BaseTransport | None = None) -> ExportApiClient:
    return ExportApiClient(sandbox.base_url, token=company.bearer_token, retry=RETRY, transport=transport)


def test_a_job_expired_mid_run_is_left_and_its_entries_are_booked_once_in_the_next_job(
    export_api_sandbox: Sandbox, export_api_company: Company, tmp_path: Path
) -> None:
    sandbox, company = export_api_sandbox, export_api_company
    first = sandbox.admin.create_job(company.company_id, {"card_purchase": 80, "invoice": 40, "mileage": 10})
    api = client(sandbox, company)
    next_jobs: list[str] = []

    def expire_after_110_items(items: Iterator[models.ExportItemV3], _total: int) -> Iterator[models.ExportItemV3]:
        for index, item in enumerate(items):
            yield item
            if index == 109:  # 100 reported, 10 more booked: the clock passes the job's deadline
                job = sandbox.admin.job(first["id"])
                sandbox.admin.advance_clock(company.company_id, int(job["expiresIn"]) + 60)
                expired = sandbox.admin.wait_for_job(first["id"])
                assert (expired["status"], expired["failureReasonType"]) == ("failed", "job_expired")
                # Pleo puts the entries that were not exported in a new job.
                back = [
                    i.accounting_entry_id for i in api.list_export_job_items(first["id"]) if i.status != "successful"
                ]
                next_jobs.append(str(api.create_export_job(company.company_id, back).id))

    ledger_path = tmp_path / "books.beancount"
    with api, Ledger(ledger_path, CHART) as ledger:
        summaries = Connector(api, ledger, company_id=company.company_id, progress=expire_after_110_items).run()

    left, booked = summaries
    assert (left.job_id, left.closed_with, left.closed_by_pleo) == (first["id"], "failed", "job_expired")
    assert left.booked == 130  # every item was booked before the results' PUT found the job closed
    assert [booked.job_id] == next_jobs
    assert (booked.items, booked.rebooked_skipped, booked.booked, booked.closed_with) == (30, 30, 0, "completed")
    # 130 entries, each booked once, and the ledger is valid.
    entries = transactions(ledger_path)
    assert len(entries) == len(set(entries)) == 130
    bean_check(ledger_path)
    assert sandbox.admin.job(next_jobs[0])["status"] == "completed"


def test_a_429_storm_and_a_503_on_a_put_are_retried_without_booking_anything_twice(
    export_api_sandbox: Sandbox, export_api_company: Company, tmp_path: Path
) -> None:
    sandbox, company = export_api_sandbox, export_api_company
    job = sandbox.admin.create_job(company.company_id, {"card_purchase": 150, "refund": 20, "per_diem": 10})
    # The company's next 4 requests, whatever they are, then its first PUT of results.
    sandbox.admin.inject_fault(company.company_id, status=429, count=4, retry_after_seconds=0)
    sandbox.admin.inject_fault(company.company_id, status=503, operation="updateExportJobItems")
    recording = RecordingTransport()
    ledger_path = tmp_path / "books.beancount"
    with client(sandbox, company, recording) as api, Ledger(ledger_path, CHART) as ledger:
        (summary,) = Connector(api, ledger, company_id=company.company_id).run()

    assert (summary.job_id, summary.booked, summary.closed_with) == (job["id"], 180, "completed")
    statuses = [status for _, _, status, _ in recording.exchanges]
    assert statuses[:5] == [429, 429, 429, 429, 200]
    puts = [(status, key) for method, _, status, key in recording.exchanges if method == "PUT"]
    # The 503'd PUT is sent again with its Idempotency-Key; then the second batch.
    assert [status for status, _ in puts] == [503, 200, 200]
    assert puts[0][1] is not None
    assert puts[0][1] == puts[1][1] != puts[2][1]
    assert sandbox.admin.faults(company.company_id) == []
    closed = sandbox.admin.job(job["id"])
    assert closed["status"] == "completed"
    assert {status: n for status, n in closed["itemCounts"].items() if n} == {"successful": 180}
    entries = transactions(ledger_path)
    assert len(entries) == len(set(entries)) == 180
    bean_check(ledger_path)
