"""Test data built through the public interface: entries via the admin API, jobs via v1 POST."""

import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.api import ADMIN, ApiClient, Identity


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
        assert response.status == 200, response.body
        job: dict[str, Any] = response.data
        return job

    def event(self, job_id: str, event: str, version: str = "v3", **extra: Any) -> int:
        response = self.api.post(
            f"/{version}/export-job-events", self.identity, {"jobId": job_id, "event": event, **extra}
        )
        return response.status
