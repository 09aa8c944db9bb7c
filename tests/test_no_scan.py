"""No Scan on any request path, and a page costs a Query bounded by the page size (docs/architecture.md, "Tables")."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from export_api.repositories import aws

from tests.support.api import ADMIN, ApiClient
from tests.support.contract import contract, operations
from tests.support.data import Company, accounting_entry, failed, successful

Call = tuple[str, dict[str, Any]]


class DynamoDbCalls:
    """Every DynamoDB operation the application's clients send, with its parameters."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((model.name, params))

    def peek(self) -> list[Call]:
        return list(self.calls)

    def take(self) -> list[Call]:
        taken, self.calls = self.calls, []
        return taken


@pytest.fixture
def dynamodb_calls(tables: None) -> Iterator[DynamoDbCalls]:
    recorder = DynamoDbCalls()
    session = boto3._get_default_session()
    session.events.register("before-parameter-build.dynamodb", recorder.record)
    # Clients copy the session's hooks when they are made: make the application's clients again.
    aws.reset_clients()
    yield recorder
    session.events.unregister("before-parameter-build.dynamodb", recorder.record)
    aws.reset_clients()


@pytest.mark.slow
def test_no_scan_on_any_operation(api: ApiClient, dynamodb_calls: DynamoDbCalls) -> None:
    company = Company.create(api, entries=12)
    # Another company for creations, each closed at once: `company` keeps its one unfinished job open.
    creator = Company.create(api, entries=3)
    ids = company.entry_ids
    done = company.create_job(ids[:4])
    assert company.event(done["id"], "started", version="v0") == 200
    assert company.event(done["id"], "failed", failureReasonType="service_timeout") == 202
    job = company.create_job(ids)
    company.update_items(job["id"], [successful(e) for e in ids[:3]] + [failed(ids[3])])
    api.post(
        f"/admin/companies/{company.company_id}/accounting-entries",
        ADMIN,
        [accounting_entry(ids[0], 3, company.company_id)],
    )
    dynamodb_calls.take()

    limit = 5
    seen: dict[str, list[str]] = {}
    for path, method, operation in operations(contract()):
        concrete = path.replace("{jobId}", job["id"])
        name = operation["operationId"]
        if path.endswith("/export-job-items"):
            assert api.get(concrete, company.identity, {"accounting_entry_id": ids[0]}).status == 200
        elif path.endswith(":search"):
            search = {"accountingEntryIds": ids[:limit]}
            assert api.post(concrete, company.identity, search, query={"limit": str(limit)}).status == 200
            check_list_calls(name, dynamodb_calls.peek(), limit)
        elif method == "get" and "{jobId}" not in path and "export-items" not in path:
            for query in ({"limit": str(limit)}, {"limit": str(limit), "statuses": ["pending", "failed"]}):
                assert api.get(concrete, company.identity, query).status == 200
                check_list_calls(name, dynamodb_calls.peek(), limit)
        elif method == "get" and path.endswith("/items"):
            for query in ({"limit": str(limit)}, {"limit": str(limit), "status": "successful"}):
                response = api.get(concrete, company.identity, query)
                assert response.status == 200
                following = {**query, "after": response.body["pagination"]["endCursor"]}
                assert api.get(concrete, company.identity, following).status == 200
                check_list_calls(name, dynamodb_calls.peek(), limit)
        elif method == "get" and "export-items" in path:
            assert api.get(concrete, company.identity, {"job_id": job["id"], "limit": str(limit)}).status == 200
            check_list_calls(name, dynamodb_calls.peek(), limit)
        elif method == "get":
            assert api.get(concrete, company.identity).status == 200
        elif method == "put":
            update = [successful(ids[5]), failed(ids[6])]
            assert api.put(concrete, company.identity, update).status == 200
        elif path.endswith("/export-jobs"):
            body = {"companyId": creator.company_id, "accountingEntryIds": creator.entry_ids[:2]}
            created = api.post(concrete, creator.identity, body)
            assert created.status in (200, 201), created.body
            creator.close(created.data["id"])
        else:
            new = creator.create_job(creator.entry_ids)
            assert api.post(concrete, creator.identity, {"jobId": new["id"], "event": "started"}).status in (200, 202)
            assert api.post(concrete, creator.identity, {"jobId": new["id"], "event": "failed"}).status in (200, 202)
        seen[name] = [call for call, _ in dynamodb_calls.take()]
    entries = f"/admin/companies/{company.company_id}/accounting-entries"
    assert api.get(entries, ADMIN, {"limit": str(limit)}).status == 200
    check_list_calls("listAccountingEntries", dynamodb_calls.peek(), limit)
    for query in ({"limit": str(limit)}, {"limit": str(limit), "statuses": ["pending", "failed"]}):
        assert api.get("/admin/export-jobs", ADMIN, query).status == 200
        check_list_calls("listAllExportJobs", dynamodb_calls.peek(), limit)
    assert api.get(f"/admin/export-jobs/{job['id']}", ADMIN).status == 200
    assert api.get(f"/admin/export-jobs/{job['id']}/items", ADMIN, {"limit": str(limit)}).status == 200
    check_list_calls("listAnyExportJobItems", dynamodb_calls.peek(), limit)
    assert api.post(entries, ADMIN, [accounting_entry(ids[1], 4, company.company_id)]).status == 201
    assert api.get("/health", None).status == 200
    seen["admin"] = [call for call, _ in dynamodb_calls.take()]

    assert len(seen) == len(operations(contract())) + 1
    assert all(seen.values()), "every operation reads or writes DynamoDB"
    assert not [name for name, calls in seen.items() if "Scan" in calls]


def check_list_calls(name: str, calls: list[Call], limit: int) -> None:
    """A list page reads by key: Queries bounded by the page size (plus one to see if more follow)."""
    assert calls, name
    operations_used = {operation for operation, _ in calls}
    assert "Scan" not in operations_used, name
    assert "Query" in operations_used, name
    for operation, params in calls:
        if operation == "Query":
            assert 0 < params["Limit"] <= limit + 1, (name, params.get("Limit"))
