"""Test data built through the public interface: entries via the admin API, jobs via v1 POST."""

import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.api import ADMIN, ApiClient, Identity

ITEM_STATUSES = ("pending", "in_progress", "failed", "successful", "abandoned")
# Each way a job closes (the events from a new job), each paired with a different version to ask in.
CLOSING = [
    (["started", "completed"], "v0"),
    (["started", "completed_with_errors"], "v1"),
    (["failed"], "v2"),
    (["started", "failed"], "v3"),
]


def accounting_entry(entry_id: str, index: int = 0) -> dict[str, Any]:
    """An accounting entry in the richest export item shape."""
    return {
        "accountingEntryId": entry_id,
        "type": "card_purchase",
        "subType": None,
        "date": f"2026-10-{(index % 28) + 1:02d}T10:00:00Z",
        "note": f"Team lunch #{index}",
        "amount": {
            "inSupplierCurrency": {"currency": "EUR", "value": 12.5 + index},
            "inWalletCurrency": {"currency": "DKK", "value": 93.25 + index},
        },
        "accountingEntryLines": [
            {
                "accountingEntryLineId": str(uuid.uuid4()),
                "lineAmount": {"inWalletCurrency": {"currency": "DKK", "value": 93.25 + index}},
                "account": {"id": str(uuid.uuid4()), "name": "Meals", "code": "6100", "identifier": None},
                "tags": [{"code": "P1", "groupCode": "PROJECT", "id": str(uuid.uuid4())}],
                "tax": {"rate": 25, "type": "inclusive", "code": "S25"},
            }
        ],
        "files": [{"url": "https://files.example.com/receipt.pdf", "type": "application/pdf", "size": 2048}],
        "supplier": {"name": "Cafe Central", "country": "DK"},
        "user": {"id": str(uuid.uuid4()), "name": "Ada"},
        "bookkeeping": {"method": "journal"},
        "_links": {"api": {"exportItem": f"https://external.pleo.io/v3/export-items/{entry_id}"}},
    }


@dataclass
class Company:
    company_id: str
    entry_ids: list[str]
    identity: Identity
    api: ApiClient

    @classmethod
    def create(cls, api: ApiClient, entries: int) -> "Company":
        company_id = str(uuid.uuid4())
        entry_ids = sorted(str(uuid.uuid4()) for _ in range(entries))
        for start in range(0, entries, 100):
            chunk = entry_ids[start : start + 100]
            response = api.post(
                f"/admin/companies/{company_id}/accounting-entries",
                ADMIN,
                [accounting_entry(e, start + i) for i, e in enumerate(chunk)],
            )
            assert response.status == 201, response.body
        return cls(company_id, entry_ids, Identity(company_ids=(company_id,)), api)

    def create_job(self, entry_ids: list[str] | None = None, version: str = "v1") -> dict[str, Any]:
        response = self.api.post(
            f"/{version}/export-jobs",
            self.identity,
            {"companyId": self.company_id, "accountingEntryIds": entry_ids or self.entry_ids},
        )
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
