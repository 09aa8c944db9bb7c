"""Test data built through the public interface: entries via the admin API, jobs via v1 POST."""

import uuid
from dataclasses import dataclass
from typing import Any

from export_api_local import accounting_entries as factory
from tests.support.api import ADMIN, ApiClient, Identity

ITEM_STATUSES = ("pending", "in_progress", "failed", "successful", "abandoned")
# Each way a job closes (the events from a new job), each paired with a different version to ask in.
CLOSING = [
    (["started", "completed"], "v0"),
    (["started", "completed_with_errors"], "v1"),
    (["failed"], "v2"),
    (["started", "failed"], "v3"),
]


def accounting_entry(entry_id: str, index: int = 0, company_id: str | None = None) -> dict[str, Any]:
    """Accounting entry number `index` as the admin API takes it (export_api_local.accounting_entries)."""
    return factory.accounting_entry(entry_id, index, company_id)


def accounting_settings(company_id: str, mapped: bool = True) -> dict[str, Any]:
    """The company's accounting settings: its Pleo account, mapped to a contra account unless `mapped` is False."""
    return factory.accounting_settings(company_id, mapped)


@dataclass
class Company:
    company_id: str
    entry_ids: list[str]
    identity: Identity
    api: ApiClient

    @classmethod
    def create(cls, api: ApiClient, entries: int, contra_accounts_mapped: bool = True) -> "Company":
        """A company with `entries` accounting entries and its accounting settings (v3 needs them)."""
        company_id = str(uuid.uuid4())
        entry_ids = sorted(str(uuid.uuid4()) for _ in range(entries))
        for start in range(0, entries, 100):
            chunk = entry_ids[start : start + 100]
            response = api.post(
                f"/admin/companies/{company_id}/accounting-entries",
                ADMIN,
                [accounting_entry(e, start + i, company_id) for i, e in enumerate(chunk)],
            )
            assert response.status == 201, response.body
        company = cls(company_id, entry_ids, Identity(company_ids=(company_id,)), api)
        company.put_settings(accounting_settings(company_id, contra_accounts_mapped))
        return company

    def put_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        response = self.api.put(f"/admin/companies/{self.company_id}/accounting-settings", ADMIN, settings)
        assert response.status == 200, response.body
        stored: dict[str, Any] = response.data
        return stored

    def ingest(self, entries: list[dict[str, Any]]) -> None:
        response = self.api.post(f"/admin/companies/{self.company_id}/accounting-entries", ADMIN, entries)
        assert response.status == 201, response.body

    def create_job(
        self, entry_ids: list[str] | None = None, version: str = "v1", vendor_based_bookkeeping: bool | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"companyId": self.company_id, "accountingEntryIds": entry_ids or self.entry_ids}
        if vendor_based_bookkeeping is not None:
            body["options"] = {"vendorBasedBookkeeping": vendor_based_bookkeeping}
        response = self.api.post(f"/{version}/export-jobs", self.identity, body)
        # v0/v1 document only `default` (200); v2/v3 answer 201 (published).
        assert response.status == (201 if version in ("v2", "v3") else 200), response.body
        job: dict[str, Any] = response.data
        return job

    def close(self, job_id: str) -> None:
        """Fail an open job: the company may then have another one (one unfinished export at a time)."""
        assert self.event(job_id, "failed") == 202

    def create_closed_job(self, entry_ids: list[str] | None = None, events: tuple[str, ...] = ("failed",)) -> str:
        """A job taken through `events` to a closed status, leaving the company free for its next job."""
        job_id = str(self.create_job(entry_ids)["id"])
        for event in events:
            assert self.event(job_id, event) == 202
        return job_id

    def event(self, job_id: str, event: str, version: str = "v3", **extra: Any) -> int:
        response = self.api.post(
            f"/{version}/export-job-events", self.identity, {"jobId": job_id, "event": event, **extra}
        )
        return response.status

    def job(self, job_id: str, version: str = "v3") -> dict[str, Any]:
        response = self.api.get(f"/{version}/export-jobs/{job_id}", self.identity)
        assert response.status == 200, response.body
        job: dict[str, Any] = response.data
        return job

    def items(self, job_id: str, status: str | None = None, version: str = "v3") -> list[dict[str, Any]]:
        """Every item of a job (walking the pages), optionally in one status."""
        query = {"status": status} if status else {}
        return walk(self.api, f"/{version}/export-jobs/{job_id}/items", self.identity, query)

    def update_items(self, job_id: str, updates: list[dict[str, Any]], version: str = "v3") -> dict[str, Any]:
        response = self.api.put(f"/{version}/export-jobs/{job_id}/items", self.identity, updates)
        assert response.status == 200, response.body
        body: dict[str, Any] = response.body
        return body

    def state(self, job_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The job and all its items: compare before and after a request that must change nothing."""
        job = self.job(job_id)
        return job, self.items(job_id)


def walk(api: ApiClient, path: str, identity: Identity, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """All the data of a list, following `endCursor` while `hasNextPage`."""
    found: list[dict[str, Any]] = []
    query = {**(query or {}), "limit": "100"}
    while True:
        response = api.get(path, identity, query)
        assert response.status == 200, response.body
        found.extend(response.data)
        pagination = response.body["pagination"]
        if not pagination["hasNextPage"]:
            return found
        query = {**query, "after": pagination["endCursor"]}


def item_update(entry_id: str, status: str, **fields: Any) -> dict[str, Any]:
    return {"accountingEntryId": entry_id, "status": status, **fields}


def successful(entry_id: str, external_id: str = "ERP-1") -> dict[str, Any]:
    return item_update(
        entry_id,
        "successful",
        exportedAt="2026-10-02T12:00:00Z",
        externalId=external_id,
        externalUrl=f"https://erp.example.com/entries/{external_id}",
    )


def failed(entry_id: str) -> dict[str, Any]:
    return item_update(
        entry_id,
        "failed",
        failureReason="Account 6100 is closed",
        failureReasonType="accounting_system_validation_failure",
    )
