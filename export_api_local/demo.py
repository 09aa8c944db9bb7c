"""Demo data, made through the API: what an operator and an integration would do, request by request.

Each demo company gets realistic accounting entries of every kind (export_api_local/accounting_entries.py)
and its accounting settings (admin API), then export jobs (v1 create) taken through their lifecycle with
events and item results (v3). A company has one unfinished export at a time, so its closed jobs come first
and its one open job last; the first company's open job is pending, the next one's in progress, and so on,
so that every job status exists:

| job                   | items | what happened                                            |
|-----------------------|-------|----------------------------------------------------------|
| completed             |  6 %  | started, every item successful, `completed`              |
| completed_with_errors |  5 %  | started, some items failed, `completed_with_errors`      |
| failed                |  4 %  | started, a few items exported, then `failed`             |
| pending (1st company) | 20 %  | created, waiting to be claimed (the walk-through's job)  |
| in_progress (2nd)     | 10 %  | started, a third of the items exported                   |

The rest of the entries belong to no job: `pendingAccountingEntryIds` in demo.json, ready for a new
job. Requests go through the gateway in-process (authorizer included) with the demo credentials that
demo.json lists, before the HTTP server opens.
"""

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from export_api_local.accounting_entries import accounting_entry, accounting_settings
from export_api_local.gateway import Gateway, HttpRequest

COMPANY_SCOPES = ("export-jobs:read", "export-jobs:write", "export-items:read")
PUT_BATCH = 100
# (status, share of the company's entries): the closed jobs, in order of creation.
JOB_LAYOUT: tuple[tuple[str, float], ...] = (
    ("completed", 0.06),
    ("completed_with_errors", 0.05),
    ("failed", 0.04),
)
# Each company's one unfinished job, made last, in turn: the first company's is pending. With the default
# 800 entries a company, at least 520 are left in no job, ready for the next one (pendingAccountingEntryIds).
OPEN_JOBS: tuple[tuple[str, float], ...] = (("pending", 0.20), ("in_progress", 0.10))
MIN_ENTRIES = (len(JOB_LAYOUT) + 1) * 2 + 2


class DemoError(Exception):
    pass


@dataclass(frozen=True)
class DemoCredentials:
    """A bearer token and an API key per company, and an admin token, minted by the auth service."""

    company_tokens: Mapping[str, str]
    company_api_keys: Mapping[str, str]
    admin_token: str

    @classmethod
    def mint(cls, company_ids: Sequence[str], ttl: timedelta) -> "DemoCredentials":
        # Imported here: the application reads its settings once, after the local environment is set.
        from export_api.services.authentication import get_api_keys
        from export_api.settings import get_settings

        from export_api_local.signing_keys import configured_signing_keys

        keys = configured_signing_keys()
        signer = keys.signer(get_settings())
        tokens = {c: signer.mint(f"demo-{c}", [c], COMPANY_SCOPES, ttl=ttl) for c in company_ids}
        api_keys = get_api_keys()
        # The key alone: HTTP basic with the key as the user name and an empty password.
        company_keys = {c: api_keys.issue([c], COMPANY_SCOPES, "demo integration (make run)").key for c in company_ids}
        admin = keys.signer(get_settings(), admin=True).mint("demo-admin", [], ["admin"], ttl=ttl)
        return cls(tokens, company_keys, admin)


@dataclass
class LocalClient:
    """JSON requests through the gateway (authorizer included), with one caller's bearer token."""

    gateway: Gateway
    token: str

    def call(self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None) -> Any:
        pairs = [(k, str(v)) for k, v in (query or {}).items()]
        response = self.gateway.handle(
            HttpRequest(
                method=method,
                path=path,
                query=pairs,
                headers=[
                    ("content-type", "application/json"),
                    ("host", "127.0.0.1"),
                    ("authorization", f"Bearer {self.token}"),
                ],
                body=json.dumps(body).encode() if body is not None else b"",
            )
        )
        if response.status >= 300:
            where = path + ("?" + urlencode(pairs) if pairs else "")
            raise DemoError(f"{method} {where} answered {response.status}: {response.body.decode(errors='replace')}")
        return response.json()


@dataclass
class DemoCompany:
    company_id: str
    entry_ids: list[str]
    jobs: dict[str, list[str]] = field(default_factory=dict)
    pending_entry_ids: list[str] = field(default_factory=list)

    def as_json(self, credentials: DemoCredentials) -> dict[str, Any]:
        return {
            "companyId": self.company_id,
            "bearerToken": credentials.company_tokens[self.company_id],
            "apiKey": credentials.company_api_keys[self.company_id],
            "pendingAccountingEntryIds": self.pending_entry_ids,
            "jobs": self.jobs,
        }


def job_layout(company_index: int) -> tuple[tuple[str, float], ...]:
    return (*JOB_LAYOUT, OPEN_JOBS[company_index % len(OPEN_JOBS)])


def _batches(items: Sequence[Any], size: int = PUT_BATCH) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class DemoLoader:
    def __init__(
        self,
        gateway: Gateway,
        credentials: DemoCredentials,
        entries_per_company: int,
        progress: Callable[[str], None] = lambda _: None,
    ) -> None:
        if entries_per_company < MIN_ENTRIES:
            raise DemoError(f"DEMO_ENTRIES_PER_COMPANY must be at least {MIN_ENTRIES}")
        self.gateway = gateway
        self.credentials = credentials
        self.entries_per_company = entries_per_company
        self.admin = LocalClient(gateway, credentials.admin_token)
        self.progress = progress

    def load(self, company_ids: Sequence[str]) -> list[DemoCompany]:
        return [self.load_company(company_id, index) for index, company_id in enumerate(company_ids)]

    def load_company(self, company_id: str, index: int = 0) -> DemoCompany:
        namespace = uuid.UUID(company_id)
        entry_ids = sorted(str(uuid.uuid5(namespace, f"entry-{i}")) for i in range(self.entries_per_company))
        for number, batch in enumerate(_batches(entry_ids)):
            start = number * PUT_BATCH
            entries = [accounting_entry(e, start + i, company_id) for i, e in enumerate(batch)]
            self.admin.call("POST", f"/admin/companies/{company_id}/accounting-entries", entries)
        # Its Pleo account mapped to a contra account, so v3 serves its export items.
        self.admin.call("PUT", f"/admin/companies/{company_id}/accounting-settings", accounting_settings(company_id))
        self.progress(
            f"company {company_id}: {len(entry_ids)} accounting entries (export_api_local/accounting_entries.py)"
        )
        company = DemoCompany(company_id, entry_ids)
        client = LocalClient(self.gateway, self.credentials.company_tokens[company_id])
        cursor = 0
        for status, share in job_layout(index):
            size = max(2, int(len(entry_ids) * share))
            job_entries = entry_ids[cursor : cursor + size]
            cursor += size
            job_id = self.make_job(client, company_id, status, job_entries)
            company.jobs.setdefault(status, []).append(job_id)
        company.pending_entry_ids = entry_ids[cursor:]
        self.progress(f"company {company_id}: jobs " + ", ".join(f"{s} x{len(j)}" for s, j in company.jobs.items()))
        return company

    def make_job(self, client: LocalClient, company_id: str, status: str, entry_ids: list[str]) -> str:
        job = client.call("POST", "/v1/export-jobs", {"companyId": company_id, "accountingEntryIds": entry_ids})["data"]
        job_id = str(job["id"])
        if status == "pending":
            return job_id
        client.call("POST", "/v3/export-job-events", {"jobId": job_id, "event": "started"})
        if status == "in_progress":
            self.put_results(client, job_id, entry_ids[: len(entry_ids) // 3], failed_every=0)
        elif status == "completed":
            self.put_results(client, job_id, entry_ids, failed_every=0)
            client.call("POST", "/v3/export-job-events", {"jobId": job_id, "event": "completed"})
        elif status == "completed_with_errors":
            self.put_results(client, job_id, entry_ids, failed_every=4)
            client.call("POST", "/v3/export-job-events", {"jobId": job_id, "event": "completed_with_errors"})
        elif status == "failed":
            self.put_results(client, job_id, entry_ids[:2], failed_every=0)
            event = {
                "jobId": job_id,
                "event": "failed",
                "failureReason": "The accounting system rejected the credentials (demo).",
                "failureReasonType": "accounting_system_authentication_failure",
            }
            client.call("POST", "/v3/export-job-events", event)
        self.wait_for_status(client, job_id, status)
        return job_id

    def put_results(self, client: LocalClient, job_id: str, entry_ids: Sequence[str], failed_every: int) -> None:
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        results = []
        for index, entry_id in enumerate(entry_ids):
            if failed_every and index % failed_every == failed_every - 1:
                results.append(
                    {
                        "accountingEntryId": entry_id,
                        "status": "failed",
                        "failureReason": "The receipt could not be uploaded (demo).",
                        "failureReasonType": "receipt_upload_failure",
                    }
                )
            else:
                results.append(
                    {
                        "accountingEntryId": entry_id,
                        "status": "successful",
                        "exportedAt": now,
                        "externalId": f"DEMO-{entry_id[:8]}",
                        "externalUrl": f"https://accounting.example.com/vouchers/DEMO-{entry_id[:8]}",
                    }
                )
        for batch in _batches(results):
            answer = client.call("PUT", f"/v3/export-jobs/{job_id}/items", list(batch))
            if answer.get("errors"):
                raise DemoError(f"PUT items of job {job_id}: {answer['errors'][:3]}")

    def wait_for_status(self, client: LocalClient, job_id: str, status: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            job = client.call("GET", f"/v3/export-jobs/{job_id}")["data"]
            if job["status"] == status:
                return
            if time.monotonic() > deadline:
                raise DemoError(f"job {job_id} is {job['status']}, not {status}")
            time.sleep(0.05)
