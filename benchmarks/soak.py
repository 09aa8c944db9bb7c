"""Section 8: a bounded soak against `make run`'s server.

N integrators, one per company, each run Pleo's flow in a loop until the time is up: the company's
accounting entries are ingested (admin API), a job of 10-300 of them (`Sizes.soak_entries`) is created,
the integrator finds it among the pending jobs, sends `started`, pages its export items, PUTs a result for
each in batches of 100 (every 100th PUT of the run is sent twice with the same Idempotency-Key, as a client that lost
the answer would) and sends `completed`. Half of the companies have a webhook subscription to a
receiver on 127.0.0.1. One company's integrator also meets what the admin API's test helpers provoke
(`ChaosIntegrator`): faults injected into its next requests (a 429 burst with Retry-After, a 503, a
504, a delay), which it retries with the same Idempotency-Key, and a test clock advanced past its job's
deadline, after which the expired job is left and its entries come back in the company's next job.
Then every table is reconciled with what the integrators did: jobs and their counters, job items,
accounting entries, webhook messages and attempts, idempotency records, the workflow's executions and
the dead-letter queue; and every webhook event must have reached the receiver.

Every write carries an Idempotency-Key. An answer that says "later" (429, 502-504, the key still in
use) is retried a few times with the same body and key (after its Retry-After, if it has one), as an
integration would; every answer, the 5xx among them, is counted, an injected one (`X-Injected-Fault`)
apart from the service's own. Bounded: traffic goes to 127.0.0.1 only, each integrator stops starting
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
PUT_BATCH = 100
INGEST_BATCH = 100
#: One PUT in this many is sent again with the same Idempotency-Key (the first of the run included).
RETRY_EVERY = 100
EVENT_TYPES = ("v1.export-job.created", "v1.export-job.started", "v1.export-job.completed")
REQUEST_TIMEOUT = 60.0
#: How long a closed job may take to show `completed`, and the webhooks to arrive after the last job.
SETTLE_SECONDS = 30.0
DRAIN_SECONDS = 120.0


#: Pauses before each retry of an answer that says "later" (bounded: 31 s in all), unless it says how long.
RETRY_PAUSES = (1.0, 2.0, 4.0, 8.0, 8.0, 8.0)
#: The longest Retry-After honoured (bounded like the pauses).
MAX_RETRY_AFTER = 8.0
#: The chaos company's jobs, by number (1-based) in a cycle of this length: the first of each cycle is
#: expired by its test clock, the others meet injected faults. The first two jobs show every kind.
CHAOS_CYCLE = 3
#: Faults injected (admin API, test helpers) before the chaos company's requests: (step, fault).
EXPIRE_PLAN: tuple[tuple[str, dict[str, Any]], ...] = (
    ("find jobs", {"operation": "getExportJobsList", "status": 429, "count": 2, "retryAfterSeconds": 1}),
    ("event started", {"operation": "createExportJobEvent", "status": 504}),
)
FAULTS_PLAN: tuple[tuple[str, dict[str, Any]], ...] = (
    ("page items", {"operation": "getExportItems", "delayMilliseconds": 1500}),
    ("put items", {"operation": "updateExportJobItems", "status": 503}),
)


def _later(response: httpx.Response) -> bool:
    """Throttled, unavailable, timed out, or the same key still being processed: worth a retry."""
    if response.status_code in (429, 502, 503, 504):
        return True
    return response.status_code == 422 and "IDEMPOTENCY_KEY_IN_USE" in response.text


def _pause(response: httpx.Response, backoff: float) -> float:
    """How long to wait before the retry: the answer's Retry-After (seconds) if it has one, else the backoff."""
    retry_after = response.headers.get("Retry-After", "")
    return min(float(retry_after), MAX_RETRY_AFTER) if retry_after.isdigit() else backoff


def _injected(response: httpx.Response) -> bool:
    """An answer a test helper's fault gave, not the service (the fault's id in X-Injected-Fault)."""
    return "X-Injected-Fault" in response.headers


class Stop(Exception):
    """An integrator met an answer it cannot go on from (recorded in the run's `unexpected`)."""


@dataclass
class Run:
    """What all integrators did and saw; thread-safe."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    #: Answers an injected fault gave (X-Injected-Fault), by operation and status: not the service's.
    injected_answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    #: What the chaos company's integrator injected and provoked (admin API), in order.
    injections: list[str] = field(default_factory=list)
    #: The faults injected, by kind (the status answered, or `delay`), times their count.
    injected_faults: Counter[str] = field(default_factory=Counter)
    #: Requests made after a delay was injected for them: (operation, seconds, the delay's seconds).
    delayed: list[tuple[str, float, float]] = field(default_factory=list)
    #: The failure reason type of each job expired by the test clock.
    expiries: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    jobs: dict[str, "JobRecord"] = field(default_factory=dict)
    retried_puts: int = 0
    retried_same_answer: int = 0
    puts: int = 0
    keys_sent: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, status: int, seconds: float, injected: bool = False) -> None:
        with self.lock:
            if injected:
                self.injected_answers[(operation, status)] += 1
                return
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
        """The service's own 5xx answers (an injected fault's are counted apart)."""
        return sum(n for (_, status), n in self.statuses.items() if status >= 500)

    def injected_server_errors(self) -> int:
        return sum(n for (_, status), n in self.injected_answers.items() if status >= 500)


@dataclass
class JobRecord:
    job_id: str
    company_id: str
    entry_ids: list[str]
    completed: bool = False
    #: Failed by its deadline, its company's test clock advanced past it (the chaos company's).
    expired: bool = False
    #: The events applied to it (`started`, `completed`), each published as a webhook event.
    events: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Company:
    company_id: str
    token: str
    subscribed: bool


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Integrator:
    """One company's integration, driving the public API over HTTP as Pleo's integrations do."""

    def __init__(self, stack: LocalStack, company: Company, run: Run, seed: int, entries: tuple[int, int]) -> None:
        self.company = company
        self.entries = entries
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
        #: Entries of a job that expired, for the next job.
        self.carried: list[str] = []

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
            seconds = time.perf_counter() - started
            self.run.record(operation, response.status_code, seconds, injected=_injected(response))
            if attempt:
                self.run.count_retry(operation, response.status_code)
            if pause is None or not _later(response):
                break
            time.sleep(_pause(response, pause))
        if response.status_code not in set(expected):
            self.run.note(f"{operation} {method} {path}: {response.status_code} {response.text[:300]}")
            raise Stop
        return response

    def before(self, step: str, job: JobRecord) -> None:
        """Before each step of the flow (the chaos company's integrator injects its faults here)."""

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
            # Entries of an expired job are exported in the next one, after the deadline if need be.
            while time.monotonic() < deadline or self.carried:
                self.one_job()
        except Stop:
            pass

    def one_job(self) -> None:
        company_id = self.company.company_id
        count = self.random.randint(*self.entries)
        fresh = [str(uuid.uuid4()) for _ in range(count)]
        entry_ids, self.carried = self.carried + fresh, []
        for start in range(0, count, INGEST_BATCH):
            batch = fresh[start : start + INGEST_BATCH]
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
        self.before("find jobs", job)
        pending = self.call(self.api, "find jobs", "GET", "/v3/export-jobs", (200,), params={"statuses": "pending"})
        if job.job_id not in {str(j["id"]) for j in pending.json()["data"]}:
            self.run.note(f"find jobs: job {job.job_id} of {company_id} not among the pending jobs")
            raise Stop
        self.event(job, "started")
        self.before("page items", job)
        seen = self.page_items(job.job_id)
        if sorted(seen) != sorted(entry_ids):
            lost, extra = set(entry_ids) - set(seen), len(seen) - len(set(seen)) + len(set(seen) - set(entry_ids))
            self.run.note(f"page items: job {job.job_id} served {len(lost)} entries short and {extra} over")
        self.before("put items", job)
        if job.expired:
            return
        self.put_results(job.job_id, seen)
        self.event(job, "completed")
        self.await_status(job, "completed")
        job.completed = True

    def event(self, job: JobRecord, event: str) -> None:
        self.before(f"event {event}", job)
        self.call(
            self.api,
            f"event {event}",
            "POST",
            "/v3/export-job-events",
            (200, 202),
            json={"jobId": job.job_id, "event": event},
            headers=self.run.new_key(),
        )
        job.events.append(event)

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

    def await_status(self, job: JobRecord, wanted: str) -> dict[str, Any]:
        """The job once it shows `wanted` (read every 0.1 s, for at most SETTLE_SECONDS)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            found: dict[str, Any] = self.call(
                self.api, "get job", "GET", f"/v3/export-jobs/{job.job_id}", (200,)
            ).json()["data"]
            if found["status"] == wanted:
                return found
            if time.monotonic() > deadline:
                self.run.note(f"job {job.job_id} is {found['status']}, not {wanted}, {SETTLE_SECONDS:g} s on")
                raise Stop
            time.sleep(0.1)


class ChaosIntegrator(Integrator):
    """The integrator of the company whose requests the admin API's test helpers disturb.

    Job 1 of each CHAOS_CYCLE jobs: two 429s with Retry-After before it finds the job, a 504 on
    `started`, then, once it has read the items, the company's test clock advanced past the job's
    deadline: the job expires (the workflow fails it, its items abandoned), the integrator leaves it
    and exports its entries in the next job. The other jobs: a delay on the first page of items and a 503
    on the first PUT. Every write is retried with its Idempotency-Key, as any integrator's is.
    """

    def __init__(self, stack: LocalStack, company: Company, run: Run, seed: int, entries: tuple[int, int]) -> None:
        super().__init__(stack, company, run, seed, entries)
        self.jobs = 0
        #: The next request of an operation delayed on purpose, with the delay's seconds.
        self.delay_for: dict[str, float] = {}

    def one_job(self) -> None:
        self.jobs += 1
        super().one_job()

    def plan(self) -> tuple[tuple[str, dict[str, Any]], ...]:
        return EXPIRE_PLAN if self.jobs % CHAOS_CYCLE == 1 else FAULTS_PLAN

    def before(self, step: str, job: JobRecord) -> None:
        for target, fault in self.plan():
            if target == step:
                self.inject(step, fault)
        if step == "put items" and self.plan() is EXPIRE_PLAN:
            self.expire(job)

    def inject(self, step: str, fault: dict[str, Any]) -> None:
        company_id = self.company.company_id
        path = f"/admin/test-helpers/companies/{company_id}/faults"
        headers = self.run.new_key()
        self.call(self.admin, "inject fault", "POST", path, (201,), json=fault, headers=headers)
        if "delayMilliseconds" in fault:
            self.delay_for[step] = fault["delayMilliseconds"] / 1000
            what = f"{fault['delayMilliseconds']} ms delay"
        else:
            retry_after = f" (Retry-After {fault['retryAfterSeconds']} s)" if "retryAfterSeconds" in fault else ""
            what = f"{fault['status']}{retry_after}"
        count = int(fault.get("count", 1))
        with self.run.lock:
            self.run.injections.append(f"{what} x{count} on {fault['operation']} ({step})")
            self.run.injected_faults[str(fault.get("status", "delay"))] += count

    def call(
        self,
        client: httpx.Client,
        operation: str,
        method: str,
        path: str,
        expected: Iterable[int],
        **kwargs: Any,
    ) -> httpx.Response:
        delay = self.delay_for.pop(operation, None)
        if delay is None:
            return super().call(client, operation, method, path, expected, **kwargs)
        # Timed apart: the delay is the test helper's, not the service's latency.
        started = time.perf_counter()
        response = super().call(client, f"{operation} (injected delay)", method, path, expected, **kwargs)
        with self.run.lock:
            self.run.delayed.append((operation, time.perf_counter() - started, delay))
        return response

    def expire(self, job: JobRecord) -> None:
        """The integrator goes away mid-job; the clock runs past the job's deadline, which then fails it."""
        expires_in = int(self.await_status(job, "in_progress")["expiresIn"])
        company_id = self.company.company_id
        advanced = self.call(
            self.admin,
            "advance clock",
            "POST",
            f"/admin/test-helpers/companies/{company_id}/clock:advance",
            (200,),
            json={"seconds": expires_in + 60},
            headers=self.run.new_key(),
        ).json()["data"]
        with self.run.lock:
            self.run.injections.append(f"clock advanced {expires_in + 60} s past job {job.job_id}'s last action")
        if advanced.get("openJobId") != job.job_id:
            self.run.note(f"advance clock: moved {advanced.get('openJobId')}, not job {job.job_id}")
            raise Stop
        failed = self.await_status(job, "failed")
        job.expired = True
        self.carried = list(job.entry_ids)
        with self.run.lock:
            self.run.expiries[str(failed.get("failureReasonType"))] += 1


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
    #: Entries of the jobs expired by a test clock, and how many of them a later job exported.
    entries_expired: int = 0
    entries_back: int = 0
    #: The chaos company's faults still pending after the run (each injected one should have been met).
    faults_pending: int = 0


def expected_events(run: Run, companies: Sequence[Company]) -> set[tuple[str, str, str]]:
    """(company, job, event type) of every webhook event due: a subscribed company's jobs that the run
    closed (completed, or expired by the test clock), for their creation and each event applied."""
    subscribed = {c.company_id for c in companies if c.subscribed}
    return {
        (job.company_id, job.job_id, f"v1.export-job.{event}")
        for job in run.jobs.values()
        if job.company_id in subscribed and (job.completed or job.expired)
        for event in ("created", *job.events)
        if f"v1.export-job.{event}" in EVENT_TYPES
    }


def reconcile(stack: LocalStack, run: Run, companies: Sequence[Company], deliveries: Deliveries) -> Reconciliation:
    result = Reconciliation()
    dynamodb = stack.aws("dynamodb")
    ours = {c.company_id for c in companies}
    jobs_by_company: dict[str, list[JobRecord]] = defaultdict(list)
    for job in run.jobs.values():
        jobs_by_company[job.company_id].append(job)

    # Jobs table: each job closed as completed (or, expired, as failed with every item abandoned), its
    # counters equal to its entries; no job the integrators did not make; no company left with an
    # unfinished job.
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
        count = len(job.entry_ids)
        stored = {
            s: int(_text(record, f"itemCount_{s}") or 0) for s in ("pending", "in_progress", "successful", "abandoned")
        }
        if int(_text(record, "numberOfItems") or 0) != count:
            result.problems.append(f"jobs table: job {job.job_id} counts {_text(record, 'numberOfItems')} items")
        expected: tuple[str, dict[str, int]] | None = None
        if job.completed:
            expected = ("completed", {"pending": 0, "in_progress": 0, "successful": count, "abandoned": 0})
        elif job.expired:
            expected = ("failed", {"pending": 0, "in_progress": 0, "successful": 0, "abandoned": count})
        if expected is not None and (_text(record, "status"), stored) != expected:
            result.problems.append(f"jobs table: job {job.job_id} is {_text(record, 'status')} with {stored}")
    for record in records:
        company = _text(record, "pk").removeprefix("COMPANY#")
        if company in ours and _text(record, "openJobId"):
            open_job = run.jobs.get(_text(record, "openJobId"))
            if open_job is None or open_job.completed or open_job.expired:
                result.problems.append(f"jobs table: company {company} still holds job {_text(record, 'openJobId')}")

    # Items table: every job item once, successful (abandoned in an expired job, whose entries a later
    # job exported), and the entries ingested.
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
        if not job.expired:
            entry_jobs.update(keys.keys())
        result.lost_items += len(set(job.entry_ids) - keys.keys())
        result.doubled_items += sum(n - 1 for n in keys.values()) + len(keys.keys() - set(job.entry_ids))
        final = "successful" if job.completed else "abandoned" if job.expired else None
        unfinished = [sk for sk, status in stored_items if final is not None and status != final]
        if unfinished:
            result.problems.append(f"items table: job {job.job_id} has {len(unfinished)} items not {final}")
    # An entry in two jobs would be an item doubled across them (an expired job's abandoned items apart).
    result.doubled_items += sum(n - 1 for n in entry_jobs.values() if n > 1)
    exported = {entry for job in run.jobs.values() if job.completed for entry in job.entry_ids}
    for job in run.jobs.values():
        if job.expired:
            back = len(set(job.entry_ids) & exported)
            result.entries_expired += len(job.entry_ids)
            result.entries_back += back
            if back < len(job.entry_ids):
                result.problems.append(
                    f"items: {len(job.entry_ids) - back} entries of expired job {job.job_id} not exported since"
                )
    for company, jobs in jobs_by_company.items():
        ingested = len({entry for job in jobs for entry in job.entry_ids})
        if entries[company] < ingested:
            result.problems.append(f"items table: company {company} has {entries[company]} of {ingested} entries")

    # Webhooks table: one message per job event and subscribed company, each delivered.
    due = expected_events(run, companies)
    received = deliveries.snapshot()
    got = Counter((d.company_id, d.job_id, d.event_type) for d in received)
    result.webhooks_expected = len(due)
    result.webhooks_delivered = len(due & got.keys())
    result.webhook_duplicates = sum(n - 1 for n in got.values() if n > 1)
    for company, job_id, event in sorted(got.keys() - due):
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

    # The workflow: every execution (named after its job) ended, succeeded for a completed job and failed
    # for an expired one, no other failed; nothing in the dead-letter queue.
    states = stack.aws("stepfunctions")
    executions: dict[str, str] = {}
    for machine in states.list_state_machines()["stateMachines"]:
        paginator = states.get_paginator("list_executions")
        for page in paginator.paginate(stateMachineArn=machine["stateMachineArn"]):
            executions.update((e["name"], e["status"]) for e in page["executions"])
    result.executions = Counter(executions.values())
    for job in run.jobs.values():
        wanted = "SUCCEEDED" if job.completed else "FAILED" if job.expired else None
        if wanted is not None and executions.get(job.job_id) != wanted:
            result.problems.append(
                f"workflow: job {job.job_id}'s execution is {executions.get(job.job_id)}, not {wanted}"
            )
    expired = {j.job_id for j in run.jobs.values() if j.expired}
    failed = [name for name, status in executions.items() if status == "FAILED" and name not in expired]
    open_jobs = sum(1 for j in run.jobs.values() if not (j.completed or j.expired))
    if failed or result.executions["RUNNING"] > open_jobs:
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
    expected = {(job_id, event) for _, job_id, event in expected_events(run, companies)}
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
    injected = {f"{op} {status}": n for (op, status), n in sorted(run.injected_answers.items())}
    out += [
        Row(
            SECTION,
            f"5xx answers of the service ({run.injected_server_errors()} injected ones apart)",
            str(errors),
            goal="0",
            verdict=verdict(errors == 0, "FAIL"),
            details={"statuses": statuses, "injected": injected, "retried_to": dict(run.retries)},
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
        *_chaos_rows(run, result),
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


def _chaos_rows(run: Run, result: Reconciliation) -> list[Row]:
    """What the chaos company's integrator was given through the test helpers, and what it met."""
    met = Counter(str(status) for (_, status), n in run.injected_answers.items() for _ in range(n))
    met["delay"] += sum(1 for _, seconds, delay in run.delayed if seconds >= delay)
    met = +met
    faults_ok = bool(run.injected_faults) and met == run.injected_faults and result.faults_pending == 0
    expired = sum(run.expiries.values())
    reasons = ", ".join(f"{reason} x{n}" for reason, n in sorted(run.expiries.items()))
    return [
        Row(
            SECTION,
            "one company's injected faults: injected / met by its integrator (retried with its key to a 2xx)",
            f"{_kinds(run.injected_faults)} / {_kinds(met)}",
            goal="all met, none left",
            verdict=verdict(faults_ok, "FAIL"),
            details={
                "injected": run.injections,
                "answers": {f"{op} {status}": n for (op, status), n in sorted(run.injected_answers.items())},
                "delayed": [
                    {"operation": op, "seconds": round(seconds, 2), "delay": delay}
                    for op, seconds, delay in run.delayed
                ],
                "faults_pending_after_the_run": result.faults_pending,
            },
        ),
        Row(
            SECTION,
            "one company's clock: jobs expired / their entries exported in a later job",
            f"{expired} ({reasons or 'none'}) / {result.entries_back} of {result.entries_expired}",
            goal=">= 1 / all",
            verdict=verdict(expired >= 1 and result.entries_back == result.entries_expired, "FAIL"),
        ),
    ]


def _kinds(counts: Counter[str]) -> str:
    return ", ".join(f"{kind} x{n}" for kind, n in sorted(counts.items())) or "none"


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
        # The first company's integrator (subscribed to webhooks) is the one the test helpers disturb.
        integrators = [
            (ChaosIntegrator if i == 0 else Integrator)(stack, c, soak, seed=i, entries=sizes.soak_entries)
            for i, c in enumerate(companies)
        ]
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
        result.faults_pending = _pending_faults(stack, companies[0].company_id)
    return rows(soak, result, elapsed, count, drained)


def _pending_faults(stack: LocalStack, company_id: str) -> int:
    """The company's faults not taken by a request (-1: the admin API would not say)."""
    with httpx.Client(base_url=stack.base_url, timeout=REQUEST_TIMEOUT) as admin:
        answer = admin.get(
            f"/admin/test-helpers/companies/{company_id}/faults",
            headers={"Authorization": f"Bearer {stack.admin_token}"},
        )
    return len(answer.json()["data"]) if answer.status_code == 200 else -1


def _setup(integrator: Integrator, receiver_url: str) -> None:
    with contextlib.suppress(Stop):
        integrator.setup(receiver_url)
