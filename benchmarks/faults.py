"""The fault matrix: every AWS call of every write path failed on purpose, and the data checked after.

Paths: job creation, item PUT, the `started`, `completed` and `failed` events, the workflow's Finalize of
a completed job and of a failed one (abandoning its unfinished items), admin ingest (`PATHS`), and
webhook publish (the workflow's publish step) and delivery (WebhookDeliveryFunction; `WEBHOOK_PATHS`,
inside `webhooks()`).

For each path (a request through its Lambda handler, or a step of a job's lifecycle execution) the calls
it makes are first recorded, not listed by hand: a botocore `before-call` hook on the boto3 session
names each API call (service, operation, and which occurrence of that operation in the path). Then,
one run per call and fault, that call's first request is answered with:

- `throttling`: a `ThrottlingException` (400), not applied;
- `internal error`: an `InternalServerError` (500), not applied;
- `timeout`: no answer (botocore's `ReadTimeoutError`), not applied;
- `lost response`: applied by the emulator, then no answer (the caller sees a read timeout).

botocore retries as configured (export_api/repositories/aws.py), the service handles what reaches it,
and the client retries a request that did not succeed, with the same `Idempotency-Key`. Then the
design's own repair runs where it has one (reconcile: docs/workflow.md; a message's redelivery once its
visibility timeout has passed), and the invariants are checked: a job's counters equal its items, no job
visible without its items, one job per creation, each event applied once, every job ends closed with no
item of a failed job left open, every entry ingested, every webhook event delivered at least once.

The fault is given where moto answers (`BaseResponse.call_action`, every service's way in), since a
botocore `before-send` hook cannot stop moto from applying the request: botocore calls every
`before-send` handler, moto's among them. A timeout is raised there as botocore's own exception, which
botocore's retry handler sees as it would a real one. DynamoDB applies a repeated TransactWriteItems
once per client request token; moto does not, so the matrix runs with that answer given
(benchmarks/emulator.py, `idempotent_transactions`).

Secrets Manager reads are left out: they are cached reads of configuration, made by whichever request
comes first, not part of a write path.
"""

import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import botocore.endpoint
from botocore.exceptions import ReadTimeoutError
from export_api.repositories import aws
from export_api.services.container import get_services
from export_api.settings import get_settings
from moto.core.responses import BaseResponse

from benchmarks import data
from benchmarks.api import Answer, request
from benchmarks.config import Sizes
from benchmarks.meter import session_events
from benchmarks.report import Row, verdict
from export_api_local import accounting_entries
from export_api_local.apigw import ADMIN, Identity
from export_api_local.lambda_hook import HOOK, template_handler
from export_api_local.queues import SqsEventSource, create_queues, sqs_mappings
from export_api_local.template import table_definition

SECTION = "7 faults"
FAULTS = ("throttling", "internal error", "timeout", "lost response")
_IGNORED_SERVICES = ("secretsmanager",)
#: Paths whose calls are marked where they run (the delivery function's, not its event source's).
_SELF_SCOPED = ("delivery",)
_WAIT_SECONDS = 20.0

#: The path whose calls this context's AWS calls belong to (None: the harness's own calls).
_SCOPE: ContextVar[str | None] = ContextVar("fault_scope", default=None)
#: The call this thread is making now: (scope, call site).
_current = threading.local()


@dataclass(frozen=True, order=True)
class CallSite:
    """One API call of a path: the `occurrence`-th call of `operation` the path makes."""

    service: str
    operation: str
    occurrence: int

    def __str__(self) -> str:
        suffix = f" #{self.occurrence}" if self.occurrence > 1 else ""
        return f"{self.service}:{self.operation}{suffix}"


@dataclass
class Injector:
    """Records the calls of the path in scope and fails the targeted one's first request."""

    path: str | None = None
    target: tuple[CallSite, str] | None = None
    injected: int = 0
    calls: list[CallSite] = field(default_factory=list)
    _counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, path: str, target: tuple[CallSite, str] | None) -> None:
        with self._lock:
            self.path, self.target, self.injected = path, target, 0
            self.calls = []
            self._counts.clear()

    def stop(self) -> None:
        with self._lock:
            self.path = None
            self.target = None

    def before_call(self, model: Any, **_: Any) -> None:
        scope = _SCOPE.get()
        service = model.service_model.service_name
        if scope is None or scope != self.path or service in _IGNORED_SERVICES:
            _current.call = None
            return
        with self._lock:
            self._counts[(service, model.name)] += 1
            site = CallSite(service, model.name, self._counts[(service, model.name)])
            self.calls.append(site)
        _current.call = (scope, site)

    def answer(self, handler: BaseResponse, original: Callable[[BaseResponse], Any]) -> Any:
        call = getattr(_current, "call", None)
        target = self.target
        if call is None or target is None or call[0] != self.path or call[1] != target[0]:
            return original(handler)
        with self._lock:
            first = self.injected == 0
            self.injected += 1
        if not first:
            return original(handler)
        fault = target[1]
        if fault == "lost response":
            original(handler)
        if fault in ("timeout", "lost response"):
            raise ReadTimeoutError(endpoint_url=f"injected {fault}")
        code, status = ("ThrottlingException", 400) if fault == "throttling" else ("InternalServerError", 500)
        body = json.dumps({"__type": code, "message": f"injected {fault}"})
        return status, {"Content-Type": "application/x-amz-json-1.0"}, body


INJECTOR = Injector()


class _NoSleep:
    """botocore's backoff between retries, not slept: the matrix counts outcomes, not seconds."""

    @staticmethod
    def sleep(_seconds: float) -> None:
        return None


@contextmanager
def installed() -> Iterator[Injector]:
    """The hooks in place for a block: botocore's `before-call` on the default session (the service's
    clients made again to carry it), moto's answer, and the workflow steps marked with their action."""
    events = session_events()
    events.register("before-call", INJECTOR.before_call, unique_id="fault-matrix")
    aws.reset_clients()
    original = BaseResponse.call_action

    def call_action(handler: BaseResponse) -> Any:
        return INJECTOR.answer(handler, original)

    def mark_step(logical_id: str, event: Any) -> None:
        # Each step runs on a thread of moto's: its calls belong to the path of that step's action.
        job_id = event.get("jobId") if isinstance(event, dict) else None
        if logical_id == "JobWorkflowFunction" and job_id == _Run.job_id:
            _SCOPE.set(f"workflow:{event.get('action')}")
        else:
            _SCOPE.set(None)

    BaseResponse.call_action = call_action  # type: ignore[method-assign,assignment]
    saved_time = botocore.endpoint.time  # type: ignore[attr-defined]
    botocore.endpoint.time = _NoSleep  # type: ignore[attr-defined]
    try:
        with HOOK.intercept(mark_step):
            yield INJECTOR
    finally:
        botocore.endpoint.time = saved_time  # type: ignore[attr-defined]
        BaseResponse.call_action = original  # type: ignore[method-assign]
        events.unregister("before-call", unique_id="fault-matrix")
        aws.reset_clients()


class _Run:
    #: The job whose workflow steps are in scope for the current run.
    job_id: str | None = None


@contextmanager
def scope(name: str) -> Iterator[None]:
    token = _SCOPE.set(name)
    try:
        yield
    finally:
        _SCOPE.reset(token)


# --- the public interface, as a client sees it -----------------------------------------------------


def call(method: str, path: str, identity: Identity, body: Any = None, key: str | None = None, **query: str) -> Answer:
    return request(method, path, identity, query or None, body, key=key)


@dataclass
class Company:
    company_id: str
    entry_ids: list[str]

    @property
    def identity(self) -> Identity:
        return Identity(company_ids=(self.company_id,))

    @classmethod
    def create(cls, entries: int = 3) -> "Company":
        """A company whose entries and (mapped) accounting settings are set up through the admin API."""
        made = data.Company.through_api(entries)
        return cls(made.company_id, made.entry_ids)

    def entries(self) -> list[dict[str, Any]]:
        return [accounting_entries.accounting_entry(e, i, self.company_id) for i, e in enumerate(self.entry_ids)]

    def create_job(self, key: str | None = None) -> Answer:
        body = {"companyId": self.company_id, "accountingEntryIds": self.entry_ids}
        return call("POST", "/v1/export-jobs", self.identity, body, key)

    def event(self, job_id: str, event: str, key: str | None = None) -> Answer:
        return call("POST", "/v3/export-job-events", self.identity, {"jobId": job_id, "event": event}, key)

    def put_items(self, job_id: str, key: str | None = None) -> Answer:
        updates = [
            {
                "accountingEntryId": e,
                "status": "successful",
                "exportedAt": "2026-10-02T12:00:00Z",
                "externalId": f"ERP-{i}",
            }
            for i, e in enumerate(self.entry_ids)
        ]
        return call("PUT", f"/v3/export-jobs/{job_id}/items", self.identity, updates, key)

    def job(self, job_id: str) -> dict[str, Any]:
        answer = call("GET", f"/v3/export-jobs/{job_id}", self.identity)
        assert answer.status == 200, answer
        found: dict[str, Any] = answer.body["data"]
        return found

    def jobs(self) -> list[dict[str, Any]]:
        answer = call("GET", "/v3/export-jobs", self.identity, companyId=self.company_id, limit="100")
        assert answer.status == 200, answer
        found: list[dict[str, Any]] = answer.body["data"]
        return found

    def items(self, job_id: str) -> tuple[list[dict[str, Any]], int]:
        """The job's items (one page holds them all here) and the list's total."""
        answer = call("GET", f"/v3/export-jobs/{job_id}/items", self.identity, limit="100")
        assert answer.status == 200, answer
        return answer.body["data"], answer.body["pagination"]["total"]


# --- the lifecycle, as reconcile and the checks see it ---------------------------------------------


def _execution(job_id: str) -> dict[str, Any] | None:
    arn = get_settings().required("state_machine_arn").replace(":stateMachine:", ":execution:") + f":{job_id}"
    # The process's client: one made per poll would load the service's model each time.
    client = aws.client("stepfunctions")
    try:
        found: dict[str, Any] = client.describe_execution(executionArn=arn)
    except client.exceptions.ExecutionDoesNotExist:
        return None
    return found


def _wait(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + _WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def admin_job(job_id: str) -> dict[str, Any]:
    """The job as the admin API shows it: with `itemCounts`, its counters by item status."""
    answer = call("GET", f"/admin/export-jobs/{job_id}", ADMIN)
    assert answer.status == 200, answer
    found: dict[str, Any] = answer.body["data"]
    return found


def reconcile(job_id: str) -> str:
    answer = call("POST", f"/admin/export-jobs/{job_id}/execution/reconcile", ADMIN)
    return str(answer.body.get("action")) if answer.status == 200 else f"HTTP {answer.status}"


# --- the paths ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one run left: the answers the client saw, and every invariant that does not hold."""

    answers: list[int] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    #: Requests the client was told to retry later (422 IDEMPOTENCY_KEY_IN_USE) and that left nothing.
    deferred: list[str] = field(default_factory=list)
    reconciled: str = ""

    def expect(self, holds: bool, what: str) -> None:
        if not holds:
            self.violations.append(what)


def _ended(job_id: str) -> Callable[[], bool]:
    return lambda: (_execution(job_id) or {}).get("status") not in (None, "RUNNING")


def _check_job(company: Company, job_id: str, outcome: Outcome, closed: str | None = None) -> None:
    """Counters equal the items and the job is visible with all its items; if `closed`, the job ends so,
    its execution (reconciled if it has to be) ended with it, and no item of a failed job is left open."""
    if closed is not None:
        status = company.job(job_id)["status"]
        outcome.expect(status == closed, f"job {status} != {closed}")
        ended = _wait(_ended(job_id))
        if not ended:
            outcome.reconciled = reconcile(job_id)
            ended = _wait(_ended(job_id))
        outcome.expect(ended, "execution still running after reconcile")
    items, total = company.items(job_id)
    outcome.expect(len(items) == total == len(company.entry_ids), f"job shows {total}/{len(items)} items")
    recount = Counter(i["status"] for i in items)
    # The job's counters, all in one answer (the same counters a status-filtered list's total reads).
    counted = admin_job(job_id)["itemCounts"]
    for status in ("pending", "in_progress", "failed", "successful", "abandoned"):
        expected = recount.get(status, 0)
        outcome.expect(counted.get(status) == expected, f"counter {status} {counted.get(status)} != {expected}")
    if closed == "failed":
        unfinished = recount.get("pending", 0) + recount.get("in_progress", 0)
        outcome.expect(unfinished == 0, f"{unfinished} items left unfinished in a failed job")


def _settled(job_id: str) -> Callable[[], bool]:
    """Whether the job's execution waits for its next event, or has ended (what the job record says)."""

    def check() -> bool:
        execution = _execution(job_id)
        if execution is None:
            return False
        if execution["status"] != "RUNNING":
            return True
        record = aws.table(get_settings().required("jobs_table_name")).get_item(Key={"pk": f"JOB#{job_id}"})
        job = record.get("Item") or {}
        return "workflowTaskToken" in job and job.get("workflowAwaiting") == job.get("status")

    return check


def _settle(job_id: str, outcome: Outcome) -> None:
    if not _wait(_settled(job_id)):
        outcome.reconciled = reconcile(job_id)
        outcome.expect(_wait(_settled(job_id)), "execution did not catch up with the job")


def _client(outcome: Outcome, send: Callable[[], Answer], status: int) -> None:
    """The client's request, and its one retry (same request, same key) when the first did not succeed.
    A retry answered 422 IDEMPOTENCY_KEY_IN_USE is told to come back once the request holding the key
    has finished or passed its deadline: the cell is "retry later", not survived."""
    first = send()
    last = first if first.status == status else send()
    outcome.answers += [first.status, last.status]
    if last.status == 422 and (last.body or {}).get("type") == "IDEMPOTENCY_KEY_IN_USE":
        outcome.deferred.append("422 IDEMPOTENCY_KEY_IN_USE: retry later")


@dataclass(frozen=True)
class Path:
    name: str
    #: Where its calls are made: the request's own scope, or a workflow step's ("workflow:<action>").
    scope: str
    prepare: Callable[[], Any]
    act: Callable[[Any, Outcome], None]
    check: Callable[[Any, Outcome], None]


def _fresh_job(started: bool = False, put: bool = False) -> tuple[Company, str]:
    company = Company.create()
    answer = company.create_job()
    assert answer.status == 200, answer
    job_id = str(answer.body["data"]["id"])
    assert _wait(_settled(job_id)), job_id
    if started:
        assert company.event(job_id, "started").status == 202
        assert _wait(_settled(job_id)), job_id
    if put:
        assert company.put_items(job_id).status == 200
    return company, job_id


def _create_act(company: Company, outcome: Outcome) -> None:
    key = str(uuid.uuid4())
    _client(outcome, lambda: company.create_job(key), 200)


def _create_check(company: Company, outcome: Outcome) -> None:
    jobs = company.jobs()
    outcome.expect(len(jobs) == 1, f"{len(jobs)} jobs created by one request")
    for job in jobs:
        _settle(str(job["id"]), outcome)
        _check_job(company, str(job["id"]), outcome)
        # The company can go on: its job closes (and with it, its execution).
        outcome.expect(company.event(str(job["id"]), "failed").status == 202, "the created job cannot be failed")
        _check_job(company, str(job["id"]), outcome, closed="failed")


def _event_act(event: str) -> Callable[[tuple[Company, str], Outcome], None]:
    def act(state: tuple[Company, str], outcome: Outcome) -> None:
        company, job_id = state
        key = str(uuid.uuid4())
        _client(outcome, lambda: company.event(job_id, event, key), 202)

    return act


def _closed_check(status: str) -> Callable[[tuple[Company, str], Outcome], None]:
    def check(state: tuple[Company, str], outcome: Outcome) -> None:
        company, job_id = state
        _check_job(company, job_id, outcome, closed=status)

    return check


def _started_check(state: tuple[Company, str], outcome: Outcome) -> None:
    company, job_id = state
    job = company.job(job_id)
    outcome.expect(job["status"] == "in_progress", f"job {job['status']} after started")
    _settle(job_id, outcome)
    _check_job(company, job_id, outcome)
    outcome.expect(company.event(job_id, "started").status == 422, "started applied twice")
    outcome.expect(company.event(job_id, "completed").status == 202, "the started job cannot complete")
    _check_job(company, job_id, outcome, closed="completed")


def _put_act(state: tuple[Company, str], outcome: Outcome) -> None:
    company, job_id = state
    key = str(uuid.uuid4())
    _client(outcome, lambda: company.put_items(job_id, key), 200)


def _put_check(state: tuple[Company, str], outcome: Outcome) -> None:
    company, job_id = state
    items, _ = company.items(job_id)
    outcome.expect({i["status"] for i in items} == {"successful"}, "items not all successful after the PUT")
    _check_job(company, job_id, outcome)
    outcome.expect(company.event(job_id, "completed").status == 202, "the job cannot complete")
    _check_job(company, job_id, outcome, closed="completed")


def _ingest_prepare() -> Company:
    return Company(str(uuid.uuid4()), sorted(str(uuid.uuid4()) for _ in range(3)))


def _ingest_act(company: Company, outcome: Outcome) -> None:
    key = str(uuid.uuid4())
    path = f"/admin/companies/{company.company_id}/accounting-entries"
    _client(outcome, lambda: call("POST", path, ADMIN, company.entries(), key), 201)


def _ingest_check(company: Company, outcome: Outcome) -> None:
    answer = call("GET", f"/admin/companies/{company.company_id}/accounting-entries", ADMIN, limit="100")
    stored = [e.get("accountingEntryId") or e.get("id") for e in (answer.body or {}).get("data", [])]
    outcome.expect(sorted(map(str, stored)) == company.entry_ids, f"{len(stored)} entries stored of 3")
    settings = accounting_entries.accounting_settings(company.company_id, True)
    call("PUT", f"/admin/companies/{company.company_id}/accounting-settings", ADMIN, settings)
    created = company.create_job()
    outcome.expect(created.status == 200, f"a job of the ingested entries: {created.status}")
    if created.status == 200:
        job_id = str(created.body["data"]["id"])
        _settle(job_id, outcome)
        _check_job(company, job_id, outcome)
        company.event(job_id, "failed")
        _check_job(company, job_id, outcome, closed="failed")


def _workflow_act(events: tuple[str, ...]) -> Callable[[tuple[Company, str], Outcome], None]:
    def act(state: tuple[Company, str], outcome: Outcome) -> None:
        company, job_id = state
        for event in events:
            answer = company.event(job_id, event)
            outcome.answers.append(answer.status)
            # Each transition published by its own step, as when events come apart in time.
            _wait(_settled(job_id))

    return act


# --- webhooks: the template's queues in moto, a receiver on 127.0.0.1, the delivery function polled ------

JOB_EVENTS = ["v1.export-job.created", "v1.export-job.started", "v1.export-job.completed", "v1.export-job.failed"]


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, str]]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.received.append((str(body.get("eventType")), str((body.get("data") or {}).get("id"))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Webhooks:
    url: str
    source: SqsEventSource
    received: list[tuple[str, str]]
    #: Receipt handles of every message handed to the function: the harness lets their visibility
    #: timeout (720 s) pass at once, as SQS would in time.
    receipts: list[str] = field(default_factory=list)

    def deliver(self, rounds: int = 3) -> None:
        """Run the delivery function until the queue is idle; then again after the visibility timeout of
        the messages it did not finish (their redelivery), `rounds` times."""
        for _ in range(rounds):
            while self.source.poll_once():
                pass
            receipts, self.receipts[:] = list(self.receipts), []
            for receipt in receipts:
                try:
                    self.source.sqs.change_message_visibility(
                        QueueUrl=self.source.queue.url, ReceiptHandle=receipt, VisibilityTimeout=0
                    )
                except self.source.sqs.exceptions.ClientError:
                    continue  # deleted: delivered


_WEBHOOK: list[Webhooks] = []


@contextmanager
def webhooks() -> Iterator[Webhooks]:
    """The delivery queues (made for the block), the webhooks table (made if it does not exist), local
    mode (a receiver on 127.0.0.1 allowed), retries at once, and a receiver that records each delivery."""
    sqs = boto3.client("sqs")
    dynamodb = boto3.client("dynamodb")
    saved = dict(os.environ)
    os.environ.setdefault("WEBHOOKS_TABLE_NAME", "faults-webhooks")
    table = os.environ["WEBHOOKS_TABLE_NAME"]
    made_table = table not in dynamodb.list_tables()["TableNames"]
    if made_table:
        dynamodb.create_table(**table_definition("WebhooksTable", table))
    queues = create_queues(sqs, stack_name="faults")
    os.environ.update(
        {
            "WEBHOOK_QUEUE_URL": queues["WebhookDeliveryQueue"].url,
            "WEBHOOK_DEAD_LETTER_QUEUE_URL": queues["WebhookDeliveryDeadLetterQueue"].url,
            "WEBHOOK_RETRY_SCHEDULE": "0,0",
            "WEBHOOK_LOCAL_MODE": "true",
        }
    )
    get_settings.cache_clear()
    get_services.cache_clear()
    received: list[tuple[str, str]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Receiver", (_Receiver,), {"received": received}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    (mapping,) = [m for m in sqs_mappings() if m.function == "WebhookDeliveryFunction"]
    handler = template_handler(mapping.function)

    def deliver(event: Any, context: Any) -> Any:
        # The event source mapping's own calls (receive, delete) are Lambda's; the function's are the path's.
        found.receipts.extend(r["receiptHandle"] for r in event["Records"])
        with scope("delivery"):
            return handler(event, context)

    source = SqsEventSource(sqs, mapping, queues[mapping.queue], os.environ["AWS_DEFAULT_REGION"], handler=deliver)
    found = Webhooks(f"http://127.0.0.1:{server.server_address[1]}/hook", source, received)
    _WEBHOOK.append(found)
    try:
        yield found
    finally:
        _WEBHOOK.remove(found)
        server.shutdown()
        server.server_close()
        for queue in queues.values():
            sqs.delete_queue(QueueUrl=queue.url)
        if made_table:
            dynamodb.delete_table(TableName=table)
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        get_services.cache_clear()


def _subscribed_job() -> tuple[Company, str]:
    """A company subscribed to its jobs' events, and a job whose creation has been delivered."""
    (hooks,) = _WEBHOOK
    company = Company.create()
    body = {"endpointUrl": hooks.url, "eventTypes": JOB_EVENTS}
    assert call("POST", "/v1/subscriptions", company.identity, body).status == 200
    created = company.create_job()
    assert created.status == 200, created
    job_id = str(created.body["data"]["id"])
    assert _wait(_settled(job_id)), job_id
    hooks.deliver(rounds=1)
    return company, job_id


def _closed_job() -> tuple[Company, str]:
    """The same, the job then started and completed, its events published and not yet delivered."""
    company, job_id = _subscribed_job()
    for event in ("started", "completed"):
        assert company.event(job_id, event).status == 202
    assert _wait(_ended(job_id)), job_id
    return company, job_id


def _deliver_act(_state: tuple[Company, str], _outcome: Outcome) -> None:
    (hooks,) = _WEBHOOK
    hooks.deliver(rounds=1)


def _delivered_check(state: tuple[Company, str], outcome: Outcome) -> None:
    company, job_id = state
    (hooks,) = _WEBHOOK
    hooks.deliver()
    for event in ("v1.export-job.created", "v1.export-job.started", "v1.export-job.completed"):
        outcome.expect((event, job_id) in hooks.received, f"{event} never delivered")
    _check_job(company, job_id, outcome, closed="completed")


PATHS: tuple[Path, ...] = (
    Path("POST /v1/export-jobs", "create", Company.create, _create_act, _create_check),
    Path("PUT /v3/export-jobs/{id}/items", "put", lambda: _fresh_job(started=True), _put_act, _put_check),
    Path("event started", "started", _fresh_job, _event_act("started"), _started_check),
    Path(
        "event completed",
        "completed",
        lambda: _fresh_job(started=True, put=True),
        _event_act("completed"),
        _closed_check("completed"),
    ),
    Path("event failed", "failed", _fresh_job, _event_act("failed"), _closed_check("failed")),
    Path(
        "workflow finalize",
        "workflow:finalize_job",
        lambda: _fresh_job(started=True, put=True),
        _workflow_act(("completed",)),
        _closed_check("completed"),
    ),
    Path(
        "workflow abandon",
        "workflow:finalize_job",
        lambda: _fresh_job(started=True),
        _workflow_act(("failed",)),
        _closed_check("failed"),
    ),
    Path("admin ingest", "ingest", _ingest_prepare, _ingest_act, _ingest_check),
)

#: The webhook paths: they need `webhooks()` around them.
WEBHOOK_PATHS: tuple[Path, ...] = (
    Path(
        "webhook publish",
        "workflow:publish_events",
        _subscribed_job,
        _workflow_act(("started", "completed")),
        _delivered_check,
    ),
    Path("webhook delivery", "delivery", _closed_job, _deliver_act, _delivered_check),
)


def run(path: Path, target: tuple[CallSite, str] | None) -> tuple[Outcome, list[CallSite], bool]:
    """One run of a path: (what it left, the calls it made, whether the targeted call was reached)."""
    state = path.prepare()
    before = _snapshot(state)
    outcome = Outcome()
    _Run.job_id = state[1] if isinstance(state, tuple) else None
    INJECTOR.start(path.scope, target)
    try:
        if path.scope.startswith("workflow:"):
            path.act(state, outcome)
            # The step runs on moto's threads: the run lasts until the execution has ended.
            _wait(_ended(str(_Run.job_id)))
        elif path.scope in _SELF_SCOPED:
            path.act(state, outcome)
        else:
            with scope(path.scope):
                path.act(state, outcome)
        reached = INJECTOR.injected > 0
        calls = list(INJECTOR.calls)
    finally:
        INJECTOR.stop()
        _Run.job_id = None
    if outcome.deferred:
        # Told to retry later: nothing of the request may have been applied meanwhile.
        outcome.expect(_snapshot(state) == before, "a request answered 'retry later' was partly applied")
    else:
        path.check(state, outcome)
    return outcome, calls, reached


def _snapshot(state: Any) -> Any:
    """What a path's request could change: the job and its items, or the company's jobs and entries."""
    if isinstance(state, tuple):
        company, job_id = state
        return company.job(job_id)["status"], sorted(i["status"] for i in company.items(job_id)[0])
    answer = call("GET", f"/admin/companies/{state.company_id}/accounting-entries", ADMIN, limit="100")
    return len(state.jobs()), answer.status, len((answer.body or {}).get("data", []))


@dataclass(frozen=True)
class Cell:
    path: str
    call: str
    fault: str
    reached: bool
    outcome: Outcome
    seconds: float = 0.0

    @property
    def survived(self) -> bool:
        return self.reached and not self.outcome.violations and not self.outcome.deferred


def discover(path: Path) -> list[CallSite]:
    """The calls a path makes, recorded from a run without faults (whose checks must hold)."""
    outcome, calls, _ = run(path, None)
    assert not outcome.violations, (path.name, outcome.violations)
    return sorted(set(calls))


def matrix(
    paths: tuple[Path, ...] = PATHS, faults: tuple[str, ...] = FAULTS, each_operation_once: bool = False
) -> Iterator[Cell]:
    """Every cell; `each_operation_once`: only the first call of each operation of a path (a sample)."""
    for path in paths:
        for site in discover(path):
            if each_operation_once and site.occurrence > 1:
                continue
            for fault in faults:
                started = time.perf_counter()
                outcome, _, reached = run(path, (site, fault))
                yield Cell(path.name, str(site), fault, reached, outcome, time.perf_counter() - started)


def rows(cells: list[Cell]) -> list[Row]:
    """One row per path and call: the faults it survived, and the cells that lost data."""
    grouped: dict[tuple[str, str], list[Cell]] = {}
    for cell in cells:
        grouped.setdefault((cell.path, cell.call), []).append(cell)
    found = []
    for (path, site), group in grouped.items():
        survived = sum(c.survived for c in group)
        lost = [c for c in group if c.outcome.violations]
        deferred = sum(1 for c in group if c.outcome.deferred)
        measured = f"survived {survived}/{len(group)}, data lost {len(lost)}" + (
            f", retry later {deferred}" if deferred else ""
        )
        found.append(
            Row(
                SECTION,
                f"{path} · {site}",
                measured,
                goal="all survived, 0 lost",
                verdict="LOST" if lost else verdict(survived == len(group), "RETRY LATER"),
                details={
                    c.fault: {
                        "answers": c.outcome.answers,
                        "reached": c.reached,
                        "reconciled": c.outcome.reconciled,
                        "violations": c.outcome.violations,
                        "deferred": c.outcome.deferred,
                        "seconds": round(c.seconds, 2),
                    }
                    for c in group
                },
            )
        )
    total = len(cells)
    survived = sum(c.survived for c in cells)
    lost_cells = sum(1 for c in cells if c.outcome.violations)
    found.append(
        Row(
            SECTION,
            f"all: {len(grouped)} calls x {len(FAULTS)} faults",
            f"survived {survived}/{total}, data lost {lost_cells}",
            goal="all survived, 0 lost",
            verdict="LOST" if lost_cells else verdict(survived == total, "RETRY LATER"),
        )
    )
    return found


def run_section(sizes: Sizes) -> list[Row]:
    """Section 7 of the benchmarks: the whole matrix, on the section's tables and an idempotency table."""
    if not sizes.faults:
        return []
    client = boto3.client("dynamodb")
    name = get_settings().required("idempotency_table_name")
    client.create_table(**table_definition("IdempotencyTable", name))
    try:
        with installed(), webhooks():
            return rows(list(matrix(PATHS + WEBHOOK_PATHS)))
    finally:
        client.delete_table(TableName=name)
