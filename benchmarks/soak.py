"""Section 8: a bounded soak against `make run`'s server.

N integrators, one per company, each run Pleo's flow in a loop until the time is up: the company's
accounting entries are ingested (admin API), a job of 10-300 of them is created, the integrator finds
it among the pending jobs, sends `started`, pages its export items, PUTs a result for each in batches
of 100 (every 100th PUT of the run is sent twice with the same Idempotency-Key, as a client that lost
the answer would) and sends `completed`. Half of the companies have a webhook subscription to a
receiver on 127.0.0.1. Then every table is reconciled with what the integrators did: jobs and their
counters, job items, accounting entries, webhook messages and attempts, idempotency records, the
workflow's executions and the dead-letter queue; and every webhook event must have reached the receiver.

Every write carries an Idempotency-Key. An answer that says "later" (429, 502-504, the key still in
use) is retried a few times with the same body and key, as an integration would; every answer, the
5xx among them, is counted. Bounded: traffic goes to 127.0.0.1 only, each integrator stops starting
jobs at the deadline, every wait has a timeout, and an integrator that meets an answer it cannot go on
from stops (the answer is counted and reported, not retried forever).
"""

import contextlib
import os
import random
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks.config import Sizes
from benchmarks.report import Row, verdict
from benchmarks.soak_stack import Deliveries, LocalStack, local_stack, webhook_receiver
from export_api_local.accounting_entries import accounting_entry, accounting_settings
from export_api_local.emulator import table_name

SECTION = "8 soak"
MIN_ENTRIES, MAX_ENTRIES = 10, 300
PUT_BATCH = 100
INGEST_BATCH = 100
#: One PUT in this many is sent again with the same Idempotency-Key (the first of the run included).
RETRY_EVERY = 100
EVENT_TYPES = ("v1.export-job.created", "v1.export-job.started", "v1.export-job.completed")
REQUEST_TIMEOUT = 60.0
#: How long a closed job may take to show `completed`, and the webhooks to arrive after the last job.
SETTLE_SECONDS = 30.0
DRAIN_SECONDS = 120.0


#: Pauses before each retry of an answer that says "later" (bounded: 31 s in all).
RETRY_PAUSES = (1.0, 2.0, 4.0, 8.0, 8.0, 8.0)


def _later(response: httpx.Response) -> bool:
    """Throttled, unavailable, timed out, or the same key still being processed: worth a retry."""
    if response.status_code in (429, 502, 503, 504):
        return True
    return response.status_code == 422 and "IDEMPOTENCY_KEY_IN_USE" in response.text


class Stop(Exception):
    """An integrator met an answer it cannot go on from (recorded in the run's `unexpected`)."""


@dataclass
class Run:
    """What all integrators did and saw; thread-safe."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    jobs: dict[str, "JobRecord"] = field(default_factory=dict)
    retried_puts: int = 0
    retried_same_answer: int = 0
    puts: int = 0
    keys_sent: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[operation].append(seconds)
            self.statuses[(operation, status)] += 1

    def count_retry(self, operation: str, status: int) -> None:
        with self.lock:
            self.retries[f"{operation} {status}"] += 1

    def note(self, message: str) -> None:
        with self.lock:
            self.unexpected.append(message)

    def next_put(self) -> int:
        with self.lock:
            self.puts += 1
            return self.puts

    def new_key(self) -> dict[str, str]:
        """A fresh Idempotency-Key header; each one sent should leave one idempotency record."""
        with self.lock:
            self.keys_sent += 1
        return {"Idempotency-Key": str(uuid.uuid4())}

    def server_errors(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status >= 500)


@dataclass
class JobRecord:
    job_id: str
    company_id: str
    entry_ids: list[str]
    completed: bool = False


@dataclass(frozen=True)
class Company:
    company_id: str
    token: str
    subscribed: bool


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Integrator:
    """One company's integration, driving the public API over HTTP as Pleo's integrations do."""

    def __init__(self, stack: LocalStack, company: Company, run: Run, seed: int) -> None:
        self.company = company
        self.run = run
        self.random = random.Random(seed)
        self.api = httpx.Client(
            base_url=stack.base_url,
            headers={"Authorization": f"Bearer {company.token}"},
            timeout=REQUEST_TIMEOUT,
        )
        self.admin = httpx.Client(
            base_url=stack.base_url,
            headers={"Authorization": f"Bearer {stack.admin_token}"},
            timeout=REQUEST_TIMEOUT,
        )
        self.entry_number = 0

    def close(self) -> None:
        self.api.close()
        self.admin.close()

    def call(
        self,
        client: httpx.Client,
        operation: str,
        method: str,
        path: str,
        expected: Iterable[int],
        **kwargs: Any,
    ) -> httpx.Response:
        """One request, retried as an integration would on an answer that says "later" (the same body
        and Idempotency-Key: a write that took effect is not applied twice)."""
        for attempt, pause in enumerate((*RETRY_PAUSES, None)):
            started = time.perf_counter()
            try:
                response = client.request(method, path, **kwargs)
            except httpx.HTTPError as error:
                self.run.note(f"{operation}: {type(error).__name__} {error}")
                raise Stop from error
            self.run.record(operation, response.status_code, time.perf_counter() - started)
            if attempt:
                self.run.count_retry(operation, response.status_code)
            if pause is None or not _later(response):
                break
            time.sleep(pause)
        if response.status_code not in set(expected):
            self.run.note(f"{operation} {method} {path}: {response.status_code} {response.text[:300]}")
            raise Stop
        return response

    def setup(self, receiver_url: str) -> None:
        company_id = self.company.company_id
        self.call(
            self.admin,
            "admin settings",
            "PUT",
            f"/admin/companies/{company_id}/accounting-settings",
            (200, 201),
            json=accounting_settings(company_id),
        )
        if self.company.subscribed:
            self.call(
                self.api,
                "subscribe",
                "POST",
                "/v1/subscriptions",
                (200, 201),
                json={"endpointUrl": f"{receiver_url}/{company_id}", "eventTypes": list(EVENT_TYPES)},
                headers=self.run.new_key(),
            )

    def loop(self, deadline: float) -> None:
        try:
            while time.monotonic() < deadline:
                self.one_job()
        except Stop:
            pass

    def one_job(self) -> None:
        company_id = self.company.company_id
        count = self.random.randint(MIN_ENTRIES, MAX_ENTRIES)
        entry_ids = [str(uuid.uuid4()) for _ in range(count)]
        for start in range(0, count, INGEST_BATCH):
            batch = entry_ids[start : start + INGEST_BATCH]
            entries = [accounting_entry(e, self.entry_number + i, company_id) for i, e in enumerate(batch)]
            self.entry_number += len(batch)
            self.call(
                self.admin,
                "admin ingest",
                "POST",
                f"/admin/companies/{company_id}/accounting-entries",
                (200, 201),
                json=entries,
                headers=self.run.new_key(),
            )
        # Pleo creates the job; the integration finds it among the pending ones.
        created = self.call(
            self.api,
            "create job",
            "POST",
            "/v1/export-jobs",
            (200, 201),
            json={"companyId": company_id, "accountingEntryIds": entry_ids},
            headers=self.run.new_key(),
        ).json()["data"]
        job = JobRecord(str(created["id"]), company_id, entry_ids)
        with self.run.lock:
            self.run.jobs[job.job_id] = job
        pending = self.call(self.api, "find jobs", "GET", "/v3/export-jobs", (200,), params={"statuses": "pending"})
        if job.job_id not in {str(j["id"]) for j in pending.json()["data"]}:
            self.run.note(f"find jobs: job {job.job_id} of {company_id} not among the pending jobs")
            raise Stop
        self.event(job.job_id, "started")
        seen = self.page_items(job.job_id)
        if sorted(seen) != sorted(entry_ids):
            lost, extra = set(entry_ids) - set(seen), len(seen) - len(set(seen)) + len(set(seen) - set(entry_ids))
            self.run.note(f"page items: job {job.job_id} served {len(lost)} entries short and {extra} over")
        self.put_results(job.job_id, seen)
        self.event(job.job_id, "completed")
        self.await_completed(job)

    def event(self, job_id: str, event: str) -> None:
        self.call(
            self.api,
            f"event {event}",
            "POST",
            "/v3/export-job-events",
            (200, 202),
            json={"jobId": job_id, "event": event},
            headers=self.run.new_key(),
        )

    def page_items(self, job_id: str) -> list[str]:
        seen: list[str] = []
        params: dict[str, Any] = {"job_id": job_id, "limit": 100}
        while True:
            page = self.call(self.api, "page items", "GET", "/v3/export-items", (200,), params=params).json()
            seen += [str(item["accountingEntryId"]) for item in page["data"]]
            pagination = page["pagination"]
            if not pagination.get("hasNextPage") or not pagination.get("endCursor"):
                return seen
            params = {"job_id": job_id, "limit": 100, "after": pagination["endCursor"]}

    def put_results(self, job_id: str, entry_ids: Sequence[str]) -> None:
        for start in range(0, len(entry_ids), PUT_BATCH):
            batch = [
                {
                    "accountingEntryId": entry_id,
                    "status": "successful",
                    "exportedAt": _now(),
                    "externalId": f"SOAK-{entry_id[:8]}",
                    "externalUrl": f"https://accounting.example.com/vouchers/SOAK-{entry_id[:8]}",
                }
                for entry_id in entry_ids[start : start + PUT_BATCH]
            ]
            key = self.run.new_key()
            path = f"/v3/export-jobs/{job_id}/items"
            answer = self.call(self.api, "put items", "PUT", path, (200,), json=batch, headers=key)
            if answer.json().get("errors"):
                self.run.note(f"put items: job {job_id}: {answer.json()['errors'][:3]}")
            if self.run.next_put() % RETRY_EVERY == 1:
                again = self.call(self.api, "put items (retry)", "PUT", path, (200,), json=batch, headers=key)
                with self.run.lock:
                    self.run.retried_puts += 1
                    self.run.retried_same_answer += int(again.json() == answer.json())

    def await_completed(self, job: JobRecord) -> None:
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            status = self.call(self.api, "get job", "GET", f"/v3/export-jobs/{job.job_id}", (200,)).json()["data"][
                "status"
            ]
            if status == "completed":
                job.completed = True
                return
            if time.monotonic() > deadline:
                self.run.note(f"job {job.job_id} is {status} {SETTLE_SECONDS:g} s after its completed event")
                raise Stop
            time.sleep(0.1)


# Reconciliation ----------------------------------------------------------------------------------------


def _scan(client: Any, table: str, projection: str, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every record of a table, by pages (low-level client: attribute values stay typed, unparsed)."""
    records: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"TableName": table, "ProjectionExpression": projection}
    if names:
        arguments["ExpressionAttributeNames"] = names
    while True:
        page = client.scan(**arguments)
        records += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return records
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name, {})
    return str(value.get("S", value.get("N", "")))


@dataclass
class Reconciliation:
    """Every table against what the integrators did: each list names what does not hold."""

    jobs_checked: int = 0
    items_checked: int = 0
    lost_items: int = 0
    doubled_items: int = 0
    problems: list[str] = field(default_factory=list)
    webhooks_expected: int = 0
    webhooks_delivered: int = 0
    webhook_duplicates: int = 0
    messages: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    idempotency_records: int = 0
    executions: Counter[str] = field(default_factory=Counter)
    dead_letters: int = 0


def reconcile(stack: LocalStack, run: Run, companies: Sequence[Company], deliveries: Deliveries) -> Reconciliation:
    result = Reconciliation()
    dynamodb = stack.aws("dynamodb")
    ours = {c.company_id for c in companies}
    jobs_by_company: dict[str, list[JobRecord]] = defaultdict(list)
    for job in run.jobs.values():
        jobs_by_company[job.company_id].append(job)

    # Jobs table: each job closed as completed, its counters equal to its entries; no job the
    # integrators did not make; no company left with an unfinished job.
    counters = ", ".join(f"itemCount_{s}" for s in ("pending", "in_progress", "failed", "successful", "abandoned"))
    records = _scan(
        dynamodb,
        table_name("JobsTable", {}),
        f"pk, companyId, #s, numberOfItems, openJobId, {counters}",
        {"#s": "status"},
    )
    stored_jobs = {
        _text(r, "pk").removeprefix("JOB#"): r
        for r in records
        if _text(r, "pk").startswith("JOB#") and _text(r, "companyId") in ours
    }
    for job_id in stored_jobs.keys() - run.jobs.keys():
        result.problems.append(f"jobs table: job {job_id} that no integrator created")
    for job in run.jobs.values():
        record = stored_jobs.get(job.job_id)
        result.jobs_checked += 1
        if record is None:
            result.problems.append(f"jobs table: job {job.job_id} is missing")
            continue
        expected = {"successful": len(job.entry_ids)} if job.completed else None
        stored = {s: int(_text(record, f"itemCount_{s}") or 0) for s in ("pending", "in_progress", "successful")}
        if int(_text(record, "numberOfItems") or 0) != len(job.entry_ids):
            result.problems.append(f"jobs table: job {job.job_id} counts {_text(record, 'numberOfItems')} items")
        if expected is not None and (
            _text(record, "status") != "completed"
            or stored != {"pending": 0, "in_progress": 0, "successful": len(job.entry_ids)}
        ):
            result.problems.append(f"jobs table: job {job.job_id} is {_text(record, 'status')} with {stored}")
    for record in records:
        company = _text(record, "pk").removeprefix("COMPANY#")
        if company in ours and _text(record, "openJobId"):
            open_job = run.jobs.get(_text(record, "openJobId"))
            if open_job is None or open_job.completed:
                result.problems.append(f"jobs table: company {company} still holds job {_text(record, 'openJobId')}")

    # Items table: every job item once, successful, and the entries ingested.
    items = _scan(dynamodb, table_name("ItemsTable", {}), "pk, sk, #s", {"#s": "status"})
    by_job: dict[str, list[tuple[str, str]]] = defaultdict(list)
    entries: Counter[str] = Counter()
    for item in items:
        pk = _text(item, "pk")
        if pk.startswith("ITEMS#"):
            by_job[pk.removeprefix("ITEMS#")].append((_text(item, "sk"), _text(item, "status")))
        elif pk.startswith("ENTRIES#") and pk.removeprefix("ENTRIES#") in ours:
            entries[pk.removeprefix("ENTRIES#")] += 1
    entry_jobs: Counter[str] = Counter()
    for job in run.jobs.values():
        stored_items = by_job.get(job.job_id, [])
        result.items_checked += len(stored_items)
        keys = Counter(sk for sk, _ in stored_items)
        entry_jobs.update(keys.keys())
        result.lost_items += len(set(job.entry_ids) - keys.keys())
        result.doubled_items += sum(n - 1 for n in keys.values()) + len(keys.keys() - set(job.entry_ids))
        if job.completed:
            unfinished = [sk for sk, status in stored_items if status != "successful"]
            if unfinished:
                result.problems.append(f"items table: job {job.job_id} has {len(unfinished)} items not successful")
    # An entry in two jobs would be an item doubled across them.
    result.doubled_items += sum(n - 1 for n in entry_jobs.values() if n > 1)
    for company, jobs in jobs_by_company.items():
        ingested = sum(len(j.entry_ids) for j in jobs)
        if entries[company] < ingested:
            result.problems.append(f"items table: company {company} has {entries[company]} of {ingested} entries")

    # Webhooks table: one message per job event and subscribed company, each delivered.
    subscribed = {c.company_id for c in companies if c.subscribed}
    expected_events = {
        (job.company_id, job.job_id, event)
        for job in run.jobs.values()
        if job.company_id in subscribed and job.completed
        for event in EVENT_TYPES
    }
    received = deliveries.snapshot()
    got = Counter((d.company_id, d.job_id, d.event_type) for d in received)
    result.webhooks_expected = len(expected_events)
    result.webhooks_delivered = len(expected_events & got.keys())
    result.webhook_duplicates = sum(n - 1 for n in got.values() if n > 1)
    for company, job_id, event in sorted(got.keys() - expected_events):
        if job_id in run.jobs:  # an event of a job left open by a stopped integrator is not expected
            continue
        result.problems.append(f"receiver: {event} of job {job_id} for {company}, which no integrator made")
    if deliveries.unreadable:
        result.problems.append(f"receiver: {deliveries.unreadable} deliveries it could not read")
    webhooks = _scan(dynamodb, table_name("WebhooksTable", {}), "pk, #s", {"#s": "status"})
    for record in webhooks:
        pk = _text(record, "pk")
        if pk.startswith("MSG#"):
            result.messages[_text(record, "status")] += 1
        elif pk.endswith("#DLV"):
            result.attempts += 1
    for status, count in result.messages.items():
        if status != "delivered":
            result.problems.append(f"webhooks table: {count} messages {status}")

    # Idempotency table: one record per key sent, the retried PUTs' included (they reuse theirs).
    result.idempotency_records = len(_scan(dynamodb, table_name("IdempotencyTable", {}), "id"))
    if result.idempotency_records != run.keys_sent:
        result.problems.append(f"idempotency table: {result.idempotency_records} records for {run.keys_sent} keys sent")

    # The workflow: every execution ended, none failed; nothing in the dead-letter queue.
    states = stack.aws("stepfunctions")
    for machine in states.list_state_machines()["stateMachines"]:
        paginator = states.get_paginator("list_executions")
        for page in paginator.paginate(stateMachineArn=machine["stateMachineArn"]):
            result.executions.update(e["status"] for e in page["executions"])
    open_jobs = sum(1 for j in run.jobs.values() if not j.completed)
    if result.executions["FAILED"] or result.executions["RUNNING"] > open_jobs:
        result.problems.append(f"workflow: executions {dict(result.executions)}")
    sqs = stack.aws("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        if "DeadLetter" in url:
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            result.dead_letters += int(attributes["Attributes"]["ApproximateNumberOfMessages"])
    if result.dead_letters:
        result.problems.append(f"webhooks: {result.dead_letters} messages in the dead-letter queue")
    return result


def _await_webhooks(run: Run, companies: Sequence[Company], deliveries: Deliveries, timeout: float) -> float:
    """Wait until every expected webhook event has arrived (or the timeout); returns the seconds waited."""
    subscribed = {c.company_id for c in companies if c.subscribed}
    expected = {
        (job.job_id, event)
        for job in run.jobs.values()
        if job.company_id in subscribed and job.completed
        for event in EVENT_TYPES
    }
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if expected <= {(d.job_id, d.event_type) for d in deliveries.snapshot()}:
            break
        time.sleep(0.25)
    return time.monotonic() - started


# Figures ----------------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest sample with at least `share` of the samples at or below it."""
    ordered = sorted(samples)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def rows(run: Run, result: Reconciliation, seconds: float, integrators: int, drained: float) -> list[Row]:
    completed = [j for j in run.jobs.values() if j.completed]
    items = sum(len(j.entry_ids) for j in completed)
    minutes = seconds / 60
    out = [
        Row(
            SECTION,
            f"{integrators} integrators x {seconds:.0f} s: jobs completed per minute",
            f"{len(completed) / minutes:.1f}/min",
            details={
                "jobs_created": len(run.jobs),
                "jobs_completed": len(completed),
                "items_exported": items,
                "items_per_minute": round(items / minutes),
                "seconds": round(seconds, 1),
                "webhook_wait_seconds": round(drained, 1),
            },
        )
    ]
    for operation in sorted(run.latencies):
        samples = run.latencies[operation]
        p50, p95, p99 = (percentile(samples, q) for q in (0.50, 0.95, 0.99))
        out.append(
            Row(
                SECTION,
                f"{operation} p50/p95/p99 ms ({len(samples)} requests)",
                f"{_ms(p50)} / {_ms(p95)} / {_ms(p99)}",
                details={"requests": len(samples), "max_ms": round(max(samples) * 1000)},
            )
        )
    errors = run.server_errors()
    statuses = {f"{op} {status}": n for (op, status), n in sorted(run.statuses.items())}
    out += [
        Row(
            SECTION,
            "5xx answers",
            str(errors),
            goal="0",
            verdict=verdict(errors == 0, "FAIL"),
            details={"statuses": statuses, "retried_to": dict(run.retries)},
        ),
        Row(
            SECTION,
            "unexpected answers (integrators stopped on them)",
            str(len(run.unexpected)),
            goal="0",
            verdict=verdict(not run.unexpected, "FAIL"),
            details={"unexpected": run.unexpected[:50]},
        ),
        Row(
            SECTION,
            f"items lost / doubled ({result.items_checked} items of {result.jobs_checked} jobs)",
            f"{result.lost_items} / {result.doubled_items}",
            goal="0 / 0",
            verdict=verdict(result.lost_items == 0 and result.doubled_items == 0, "FAIL"),
        ),
        Row(
            SECTION,
            "webhook events delivered",
            f"{result.webhooks_delivered} / {result.webhooks_expected}",
            goal="all",
            verdict=verdict(result.webhooks_delivered == result.webhooks_expected, "FAIL"),
            details={
                "duplicates": result.webhook_duplicates,
                "messages": dict(result.messages),
                "attempts": result.attempts,
                "dead_letters": result.dead_letters,
            },
        ),
        Row(
            SECTION,
            "PUTs retried with the same Idempotency-Key: same answer",
            f"{run.retried_same_answer} / {run.retried_puts}",
            goal="all",
            verdict=verdict(run.retried_same_answer == run.retried_puts, "FAIL"),
            details={
                "puts": run.puts,
                "keys_sent": run.keys_sent,
                "idempotency_records": result.idempotency_records,
            },
        ),
        Row(
            SECTION,
            "tables reconciled (jobs, items, entries, webhooks, idempotency, executions, dead letters)",
            f"{len(result.problems)} problems",
            goal="0",
            verdict=verdict(not result.problems, "FAIL"),
            details={"problems": result.problems[:50], "executions": dict(result.executions)},
        ),
    ]
    return out


def _threads(target: Callable[[Integrator], None], integrators: Sequence[Integrator]) -> None:
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in integrators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(sizes: Sizes) -> list[Row]:
    seconds = float(os.environ.get("SOAK_SECONDS") or sizes.soak_seconds)
    count = int(os.environ.get("SOAK_INTEGRATORS") or sizes.soak_integrators)
    with (
        tempfile.TemporaryDirectory(prefix="soak-") as scratch,
        local_stack(Path(scratch)) as stack,
        webhook_receiver() as (receiver_url, deliveries),
    ):
        # Tokens outlive the run with room to spare, bounded by what the authorizers accept.
        ttl = timedelta(seconds=min(86_400, seconds + 3_600))
        companies = []
        for index in range(count):
            company_id = str(uuid.uuid4())
            companies.append(Company(company_id, stack.company_token(company_id, ttl), subscribed=index % 2 == 0))
        soak = Run()
        integrators = [Integrator(stack, c, soak, seed=i) for i, c in enumerate(companies)]
        try:
            _threads(lambda i: _setup(i, receiver_url), integrators)
            started = time.monotonic()
            deadline = started + seconds
            _threads(lambda i: i.loop(deadline), integrators)
            elapsed = time.monotonic() - started
        finally:
            for integrator in integrators:
                integrator.close()
        drained = _await_webhooks(soak, companies, deliveries, DRAIN_SECONDS)
        result = reconcile(stack, soak, companies, deliveries)
    return rows(soak, result, elapsed, count, drained)


def _setup(integrator: Integrator, receiver_url: str) -> None:
    with contextlib.suppress(Stop):
        integrator.setup(receiver_url)
