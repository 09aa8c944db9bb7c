"""An in-process Export API for the connector's tests (httpx.MockTransport): one company, export jobs
with the published lifecycle (started / completed / completed_with_errors), job items, v3 export items
in the published shape, PUTs of at most 100 items with per-item results, cursor pages."""

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

COMPANY_ID = "11111111-1111-4111-8111-111111111111"
CONTRA = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "contra")), "name": "Pleo DKK Account", "code": "5820"}


def money(value: int, currency: str = "DKK") -> dict[str, Any]:
    return {"currency": currency, "value": value}


def amount(wallet: int, supplier: int | None = None, supplier_currency: str = "DKK") -> dict[str, Any]:
    return {
        "inSupplierCurrency": money(wallet if supplier is None else supplier, supplier_currency),
        "inWalletCurrency": money(wallet),
    }


def export_item(index: int, account_code: str = "6100", *, vendor: bool = False) -> dict[str, Any]:
    """A published ExportItemV3: a 25 % inclusive-VAT purchase (or, with `vendor`, a supplier invoice)."""
    gross = 10_000 + 137 * index
    tax = round(gross * 0.25 / 1.25)
    entry_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"entry-{index}"))
    item: dict[str, Any] = {
        "_links": {"web": {"self": f"https://app.example.com/entries/{entry_id}"}},
        "accountingEntryId": entry_id,
        "companyId": COMPANY_ID,
        "date": f"2026-10-{1 + index % 28:02d}T09:00:00Z",
        "type": "card_purchase",
        "note": f"Purchase {index}",
        "amount": amount(gross, round(gross / 7.46), "EUR"),
        "accountingEntryLines": [
            {
                "accountingEntryLineId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"line-{index}")),
                "lineAmount": amount(gross),
                "netAmount": amount(gross - tax),
                "account": {"id": str(uuid.uuid4()), "name": "Some account", "code": account_code},
                "tax": {
                    "id": str(uuid.uuid4()),
                    "code": "S25",
                    "rate": 0.25,
                    "type": "inclusive",
                    "amount": amount(tax),
                    "ingoingTaxAccount": "6601",
                },
            }
        ],
        "additionalInformation": {"reconciliationId": f"BOOK-{index:06d}"},
        "supplier": {"name": "Le Comptoir"},
        "contraAccount": CONTRA,
    }
    if vendor:
        item["type"] = "invoice"
        item["bookkeeping"] = {"method": "accounts_payable"}
        item["vendor"] = {
            "id": str(uuid.uuid4()),
            "name": "Nordic Consulting AB",
            "code": "V-1007",
            "defaultCurrency": "SEK",
        }
    return item


@dataclass
class Job:
    id: str
    created_at: str
    items: list[dict[str, Any]]
    status: str = "pending"
    job_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    contra_accounts_mapped: bool = True

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "companyId": COMPANY_ID,
            "createdAt": self.created_at,
            "expiresIn": 86400,
            "isInteractive": False,
            "numberOfItems": len(self.items),
            "status": self.status,
            "vendorBasedBookkeeping": False,
        }


class FakeExportApi:
    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.puts: list[int] = []

    def add_job(self, items: list[dict[str, Any]], created_at: str = "2026-11-01T10:00:00Z") -> Job:
        job = Job(str(uuid.uuid4()), created_at, items)
        for item in items:
            entry_id = item["accountingEntryId"]
            job.job_items[entry_id] = {"accountingEntryId": entry_id, "exportJobId": job.id, "status": "pending"}
        self.jobs[job.id] = job
        return job

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @staticmethod
    def _page(rows: list[dict[str, Any]], request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", 50))
        start = int(request.url.params.get("after", "0") or 0)
        chunk = rows[start : start + limit]
        more = start + limit < len(rows)
        pagination: dict[str, Any] = {
            "currentRequestPagination": {"parameters": {}},
            "hasNextPage": more,
            "hasPreviousPage": start > 0,
            "total": len(rows),
        }
        if more:
            pagination["endCursor"] = str(start + limit)
        return httpx.Response(200, json={"data": chunk, "pagination": pagination})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, request.url.params
        if path == "/v3/export-jobs":
            statuses = params.get_list("statuses")
            jobs = sorted(self.jobs.values(), key=lambda j: j.created_at)
            return self._page([j.view() for j in jobs if not statuses or j.status in statuses], request)
        if path.startswith("/v3/export-jobs/") and path.endswith("/items"):
            job = self.jobs[path.split("/")[3]]
            if request.method == "PUT":
                return self._put(job, json.loads(request.content))
            status = params.get("status")
            return self._page([i for i in job.job_items.values() if not status or i["status"] == status], request)
        if path.startswith("/v3/export-jobs/"):
            return httpx.Response(200, json={"data": self.jobs[path.split("/")[3]].view()})
        if path == "/v3/export-items":
            if not self.jobs[params["job_id"]].contra_accounts_mapped:
                message = "Every Pleo account of the company needs a contra account."
                return httpx.Response(400, json={"type": "MISSING_CONTRA_ACCOUNTS", "message": message})
            return self._page(self.jobs[params["job_id"]].items, request)
        if path == "/v3/export-job-events":
            return self._event(json.loads(request.content))
        return httpx.Response(404, json={"type": "NOT_FOUND", "message": path})

    def _event(self, body: dict[str, Any]) -> httpx.Response:
        job = self.jobs[body["jobId"]]
        allowed = {
            "started": {"pending"},
            "completed": {"in_progress"},
            "completed_with_errors": {"in_progress"},
            "failed": {"pending", "in_progress"},
        }
        if job.status not in allowed.get(body["event"], set()):
            return httpx.Response(
                422, json={"type": "INVALID_EXPORT_JOB_STATUS_CHANGE", "message": f"{job.status} -> {body['event']}"}
            )
        job.events.append(body)
        job.status = "in_progress" if body["event"] == "started" else body["event"]
        return httpx.Response(202)

    def _put(self, job: Job, updates: list[dict[str, Any]]) -> httpx.Response:
        if len(updates) > 100:
            return httpx.Response(413, json={"type": "EXPORT_JOB_ITEMS_UPDATE_LIMIT", "message": "at most 100"})
        if job.status != "in_progress":
            return httpx.Response(422, json={"type": "EXPORT_JOB_STATUS_UNPROCESSABLE", "message": job.status})
        self.puts.append(len(updates))
        data = []
        for update in updates:
            job.job_items[update["accountingEntryId"]].update(update)
            data.append(job.job_items[update["accountingEntryId"]])
        return httpx.Response(200, json={"data": data, "errors": []})
