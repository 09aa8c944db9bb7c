"""1. DynamoDB requests and capacity per operation, through the Lambda handlers, against each one's minimum."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from export_api.settings import get_settings

from benchmarks.api import ADMIN, Answer, request
from benchmarks.config import Sizes
from benchmarks.data import Company, accounting_entry, sorted_ids
from benchmarks.meter import Figures, Meter
from benchmarks.report import Row, verdict
from export_api_local.template import table_definition

SECTION = "1 requests/op"


def create_tables() -> None:
    settings = get_settings()
    client = boto3.client("dynamodb")
    for logical_id, name in (
        ("JobsTable", settings.required("jobs_table_name")),
        ("ItemsTable", settings.required("items_table_name")),
        ("CredentialsTable", settings.required("credentials_table_name")),
    ):
        client.create_table(**table_definition(logical_id, name))


def drop_tables() -> None:
    settings = get_settings()
    client = boto3.client("dynamodb")
    for name in (
        settings.required("jobs_table_name"),
        settings.required("items_table_name"),
        settings.required("credentials_table_name"),
    ):
        client.delete_table(TableName=name)


def describe(figures: Figures) -> str:
    others = "".join(f" +{n} {op.split(':')[1]}" for op, n in figures.as_dict()["other_requests"].items())
    return f"{figures.requests()} req{others} · {figures.read_units:g} RCU · {figures.write_units:g} WCU"


@dataclass(frozen=True)
class Operation:
    case: str
    #: Fewest DynamoDB requests the operation can be served with, and why.
    minimum: int
    why: str
    run: Callable[[], Answer]
    expect: int = 200
    #: Show the operation's seconds (in-process moto: for comparing sizes, not DynamoDB's latency).
    timed: bool = False
    #: Run after the measurement, unmeasured (closing a created job frees its company for the next).
    after: Callable[[Answer], None] | None = None


def measure(meter: Meter, operation: Operation) -> Row:
    started = time.perf_counter()
    with meter.measure() as figures:
        answer = operation.run()
    seconds = time.perf_counter() - started
    if answer.status != operation.expect:
        raise AssertionError(f"{operation.case}: answered {answer.status}, expected {operation.expect}: {answer.body}")
    if operation.after is not None:
        operation.after(answer)
    requests = figures.requests()
    return Row(
        section=SECTION,
        case=operation.case,
        measured=describe(figures) + (f" · {seconds:.2f} s" if operation.timed else ""),
        reference=f"min {operation.minimum}",
        ratio=requests / operation.minimum,
        goal="≤ min",
        verdict=verdict(requests <= operation.minimum and figures.scans == 0),
        details={"minimum": operation.minimum, "why": operation.why, "seconds": round(seconds, 3), **figures.as_dict()},
    )


def put_body(entry_ids: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "accountingEntryId": e,
            "status": "successful",
            "exportedAt": "2026-10-02T12:00:00Z",
            "externalId": f"ERP-{i}",
            "externalUrl": f"https://erp.example.com/entries/{i}",
        }
        for i, e in enumerate(entry_ids)
    ]


def run(meter: Meter, sizes: Sizes) -> list[Row]:
    largest = max(sizes.create_entries)
    company = Company.through_api(max(largest, sizes.put_items))
    me = company.identity
    ops: list[Operation] = []

    def close(answer: Answer) -> None:
        # One unfinished export per company: the next creation needs this one closed.
        company.event(str(answer.body["data"]["id"]), "failed")

    for n in sizes.create_entries:
        reads, writes = math.ceil(n / 100), math.ceil(n / 25)
        ops.append(
            Operation(
                f"POST /v1/export-jobs ({n:,} entries)",
                reads + 1 + writes + 1,
                f"{reads} BatchGetItem (entries exist: keys only, {min(16, reads)} at a time) + 1 GetItem (company: "
                f"no unfinished job) + {writes} "
                f"BatchWriteItem ({n} job items, 25 a call, {min(16, writes)} at a time) + 1 TransactWriteItems "
                "(job + company counter and claim): every item is written before the job is visible",
                lambda n=n: request(  # type: ignore[misc]
                    "POST",
                    "/v1/export-jobs",
                    me,
                    body={"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:n]},
                ),
                timed=True,
                after=close,
            )
        )

    # Measured now: the open jobs made next would keep the company from creating another.
    rows = [measure(meter, op) for op in ops]
    ops = []
    # One unfinished export per company: the three open jobs belong to three companies.
    job = company.create_job(company.entry_ids[: sizes.put_items])
    second, third = Company.through_api(5), Company.through_api(sizes.put_items)
    in_progress = second.create_job(second.entry_ids)
    second.event(in_progress, "started")
    failing = third.create_job(third.entry_ids)
    third.event(failing, "started")
    page = {"limit": str(sizes.item_page)}
    ops += [
        Operation(
            "GET /v3/export-jobs/{jobId}", 1, "1 GetItem (job)", lambda: request("GET", f"/v3/export-jobs/{job}", me)
        ),
        Operation(
            "GET /v3/export-jobs (page 1)",
            2,
            "1 Query (byCompany) + 1 GetItem (company counters: total)",
            lambda: request("GET", "/v3/export-jobs", me, {"limit": str(sizes.job_page)}),
        ),
        Operation(
            "GET /v3/export-jobs?statuses=pending,in_progress",
            3,
            "1 Query per status partition + 1 GetItem (company counters: total)",
            lambda: request(
                "GET", "/v3/export-jobs", me, {"statuses": ["pending", "in_progress"], "limit": str(sizes.job_page)}
            ),
        ),
        Operation(
            "GET /v3/export-jobs/{jobId}/items (page 1)",
            2,
            "1 GetItem (job: owner, total) + 1 Query",
            lambda: request("GET", f"/v3/export-jobs/{job}/items", me, page),
        ),
        Operation(
            "GET /v3/export-jobs/{jobId}/items?status=pending",
            2,
            "1 GetItem (job: owner, total) + 1 Query (byJobStatus)",
            lambda: request("GET", f"/v3/export-jobs/{job}/items", me, {**page, "status": "pending"}),
        ),
        Operation(
            "GET /v3/export-items?job_id= (page 1)",
            4,
            "1 GetItem (job: owner, status gate, total) + 1 GetItem (the company's accounting settings: v3 "
            "refuses items without contra accounts and shows each account's) + 1 Query (the job's items) "
            "+ 1 BatchGetItem (their entries)",
            lambda: request("GET", "/v3/export-items", me, {**page, "job_id": job}),
        ),
        Operation(
            f"PUT /v3/export-jobs/{{jobId}}/items ({sizes.put_items} items)",
            1 + math.ceil(sizes.put_items / 99),
            f"1 BatchGetItem (items' old status) + {math.ceil(sizes.put_items / 99)} TransactWriteItems "
            "(99 items + job counters each; the job condition answers 404/422 without a read)",
            lambda: request(
                "PUT", f"/v3/export-jobs/{job}/items", me, body=put_body(company.entry_ids[: sizes.put_items])
            ),
        ),
        Operation(
            "POST /v3/export-job-events (started)",
            2,
            "1 GetItem (job) + 1 TransactWriteItems (job + company counters); + SendTaskSuccess when a workflow waits",
            lambda: request("POST", "/v3/export-job-events", me, body={"jobId": job, "event": "started"}),
            expect=202,
        ),
        Operation(
            "POST /v3/export-job-events (completed)",
            2,
            "1 GetItem (job) + 1 TransactWriteItems; + SendTaskSuccess when a workflow waits",
            lambda: request(
                "POST", "/v3/export-job-events", second.identity, body={"jobId": in_progress, "event": "completed"}
            ),
            expect=202,
        ),
        Operation(
            f"POST /v3/export-job-events (failed, {sizes.put_items} items left)",
            2 + 1 + 2 * math.ceil(sizes.put_items / 99),
            "1 GetItem + 1 TransactWriteItems; abandoning (workflow): 1 GetItem (the job's counters once it "
            "failed: how many are left) + per 99 items 1 Query (byJobStatus) + 1 TransactWriteItems",
            lambda: request(
                "POST", "/v3/export-job-events", third.identity, body={"jobId": failing, "event": "failed"}
            ),
            expect=202,
        ),
    ]
    fresh = sorted_ids(sizes.put_items)
    entries = [accounting_entry(e, i) for i, e in enumerate(fresh)]
    ops += [
        Operation(
            f"POST /admin/.../accounting-entries ({sizes.put_items} new)",
            1 + math.ceil(sizes.put_items / 99),
            f"1 BatchGetItem (which exist) + {math.ceil(sizes.put_items / 99)} TransactWriteItems (99 + counter)",
            lambda: request("POST", f"/admin/companies/{company.company_id}/accounting-entries", ADMIN, body=entries),
            expect=201,
        ),
        Operation(
            "GET /admin/.../accounting-entries (page 1)",
            2,
            "1 Query + 1 GetItem (company counter: total)",
            lambda: request("GET", f"/admin/companies/{company.company_id}/accounting-entries", ADMIN, page),
        ),
        Operation("GET /health", 2, "1 GetItem per table", lambda: request("GET", "/health", None)),
    ]
    return rows + [measure(meter, op) for op in ops]
