"""Section 11: what a job costs on AWS at list prices, for jobs of 10 to 10,000 entries run through Pleo's
whole flow by an integrator with one webhook subscription (to the job's created, started and completed
events):

    POST /v1/export-jobs (the job's entries) -> the created webhook -> GET /v3/export-jobs (the oldest
    pending job) -> POST /v3/export-job-events (started) -> the started webhook -> GET
    /v3/export-jobs/{jobId}/items, pages of 100 -> PUT .../items, 100 a request -> POST
    /v3/export-job-events (completed) -> the workflow finalizes -> the completed webhook

The lifecycle runs on Step Functions (workflow.py), webhooks are queued in SQS and delivered by
WebhookDeliveryFunction's handler to a receiver on 127.0.0.1 (webhooks.py); every AWS call of the job,
from any thread, is counted by the meter, DynamoDB's request units with it.

A Lambda invocation's billed duration is estimated from what is measured in-process, as it would run on
Lambda at the function's MemorySize (template.yaml):
- the handler's own CPU time: its thread's CPU and its thread pools' (the repositories write a big job's
  items with 16 workers) less what moto and the meter's hooks spent in them (they stand in for AWS and
  for the bench), times 1,769 MB / MemorySize (Lambda gives a function a share of one vCPU in proportion
  to its memory, the whole vCPU at 1,769 MB);
- plus AWS_CALL_MS of waiting for each AWS call it makes (a round trip in the region: moto's own time is
  not DynamoDB's), one after the other, a thread pool's calls once per round of its workers;
- plus SUBSCRIBER_MS for each webhook POST (the local receiver answers at once; a subscriber does not).
Warm instances: one job of 10 entries runs first, unmeasured, so imports, clients and cached secrets
are made before anything is counted (cold starts: docs/cold-start.md).

The authorizer is not on the in-process path (requests carry its context): API Gateway caches its answer
per Authorization header for ReauthorizeEvery seconds (template.yaml), so one integrator's token is
authorized once per TTL of its requests. The job is counted as taking the sum of its requests' estimated
durations (the integrator's own time between requests left out), and the authorizer's real handler is
run with a bearer token once per started TTL of that.
"""

import json
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

import boto3
from export_api.models.caller import Caller, Scope
from export_api.models.webhooks import SubscriptionRequest, WebhookEventType
from export_api.services.container import get_services
from export_api.settings import get_settings

from benchmarks import workflow
from benchmarks.api import Identity, event_for
from benchmarks.config import Sizes
from benchmarks.credentials import signer
from benchmarks.data import Company
from benchmarks.meter import Figures, Meter
from benchmarks.report import Row
from benchmarks.webhooks import receiver, webhooks_environment
from export_api_local.apigw import LambdaContext, handler_for
from export_api_local.lambda_hook import Handler, template_handler
from export_api_local.stack import ProvisionedStack
from export_api_local.template import load_template, resources_of_type

SECTION = "11 cost"
GOAL = "info"

T = TypeVar("T")

# Prices -----------------------------------------------------------------------------------------------

REGION = "us-east-1"
#: The day the prices below were checked, against stored copies of the pages named (no live pricing API here).
PRICES_CHECKED = "2026-12-06"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    #: The page the price is from, and the date it is stated for (or in effect since).
    source: str
    stated: str


@dataclass(frozen=True)
class Prices:
    """On-demand list prices, one region, the first (lowest-volume) tier, without free tiers."""

    api_request: Price
    lambda_request: Price
    lambda_arm_gb_second: Price
    dynamodb_read_unit: Price
    dynamodb_write_unit: Price
    state_transition: Price
    sqs_request: Price
    secrets_call: Price


PRICES = Prices(
    api_request=Price(
        3.50 / 1e6,
        "REST API call (first 333 million a month)",
        "Amazon API Gateway pricing (aws.amazon.com/api-gateway/pricing); AWS whitepaper 'Best Practices for "
        "Designing Amazon API Gateway Private APIs and Private Integration', Cost optimization, Table 4",
        "checked 2026-12-06",
    ),
    lambda_request=Price(
        0.20 / 1e6,
        "invocation",
        "AWS Lambda pricing (aws.amazon.com/lambda/pricing)",
        "checked 2026-12-06",
    ),
    lambda_arm_gb_second=Price(
        0.0000133334,
        "GB-second, Arm (first 7.5 billion GB-s a month)",
        "AWS Lambda pricing (aws.amazon.com/lambda/pricing); AWS Compute Blog 'Introducing tiered pricing for "
        "AWS Lambda'",
        "in effect since 2021-09 (Arm); checked 2026-12-06",
    ),
    dynamodb_read_unit=Price(
        0.125 / 1e6,
        "read request unit, on-demand",
        "Amazon DynamoDB pricing for on-demand capacity (aws.amazon.com/dynamodb/pricing/on-demand)",
        "in effect since 2024-11-01 (on-demand throughput halved); checked 2026-12-06",
    ),
    dynamodb_write_unit=Price(
        0.625 / 1e6,
        "write request unit, on-demand",
        "Amazon DynamoDB pricing for on-demand capacity (aws.amazon.com/dynamodb/pricing/on-demand)",
        "in effect since 2024-11-01 (on-demand throughput halved); checked 2026-12-06",
    ),
    state_transition=Price(
        0.025 / 1000,
        "state transition, Standard workflow",
        "AWS Step Functions pricing (aws.amazon.com/step-functions/pricing), state transitions pricing table",
        "checked 2026-12-06",
    ),
    sqs_request=Price(
        0.40 / 1e6,
        "request (64 KB chunk), standard queue (first 100 billion a month)",
        "Amazon SQS pricing (aws.amazon.com/sqs/pricing)",
        "as stated for March 2026 and June 2026 by guides quoting it; checked 2026-12-06",
    ),
    secrets_call=Price(
        0.05 / 10_000,
        "API call",
        "AWS Secrets Manager pricing (aws.amazon.com/secrets-manager/pricing)",
        "checked 2026-12-06",
    ),
)

# How a measured invocation becomes a billed duration (see the module's docstring).
FULL_VCPU_MB = 1769
AWS_CALL_MS = 10.0
SUBSCRIBER_MS = 100.0


def billed_ms(own_cpu_seconds: float, aws_calls: int, posts: int, memory_mb: int) -> int:
    """Lambda bills whole milliseconds, at least one."""
    work = own_cpu_seconds * 1000 * max(1.0, FULL_VCPU_MB / memory_mb)
    return max(1, math.ceil(work + aws_calls * AWS_CALL_MS + posts * SUBSCRIBER_MS))


def gb_seconds(milliseconds: int, memory_mb: int) -> float:
    return milliseconds / 1000 * memory_mb / 1024


@dataclass
class Usage:
    """What one job uses of each billed dimension."""

    api_requests: int = 0
    #: Invocations and GB-seconds by function (logical id).
    invocations: dict[str, int] = field(default_factory=dict)
    gb_seconds: dict[str, float] = field(default_factory=dict)
    read_units: float = 0.0
    write_units: float = 0.0
    transitions: int = 0
    sqs_requests: int = 0
    secrets_calls: int = 0


def costs(usage: Usage, prices: Prices = PRICES) -> dict[str, float]:
    """US dollars by service."""
    return {
        "API Gateway": usage.api_requests * prices.api_request.usd,
        "Lambda": sum(usage.invocations.values()) * prices.lambda_request.usd
        + sum(usage.gb_seconds.values()) * prices.lambda_arm_gb_second.usd,
        "DynamoDB": usage.read_units * prices.dynamodb_read_unit.usd
        + usage.write_units * prices.dynamodb_write_unit.usd,
        "Step Functions": usage.transitions * prices.state_transition.usd,
        "SQS": usage.sqs_requests * prices.sqs_request.usd,
        "Secrets Manager": usage.secrets_calls * prices.secrets_call.usd,
    }


# The template ---------------------------------------------------------------------------------------


def memory_sizes() -> dict[str, int]:
    """MemorySize of every function (Globals' unless its own; Lambda's default is 128 MB)."""
    globals_ = (load_template().get("Globals") or {}).get("Function") or {}
    default = int(globals_.get("MemorySize", 128))
    sizes: dict[str, int] = {}
    for logical_id, properties in resources_of_type("AWS::Serverless::Function").items():
        architectures = properties.get("Architectures", globals_.get("Architectures", ["x86_64"]))
        # The table holds Arm's duration price only.
        if list(architectures) != ["arm64"]:
            raise ValueError(f"{logical_id} runs on {architectures}: PRICES has the arm64 price only")
        sizes[logical_id] = int(properties.get("MemorySize", default))
    return sizes


def authorizer_cache() -> tuple[str, int]:
    """The API's default authorizer function (logical id) and its result cache TTL in seconds."""
    for properties in resources_of_type("AWS::Serverless::Api").values():
        auth = properties.get("Auth") or {}
        if "DefaultAuthorizer" not in auth:
            continue
        authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
        function = authorizer["FunctionArn"]
        logical_id = str(function["Ref"] if isinstance(function, dict) else function).split(".")[0]
        # API Gateway's default TTL when the template names none.
        return logical_id, int((authorizer.get("Identity") or {}).get("ReauthorizeEvery", 300))
    raise ValueError("template.yaml has no API with a default authorizer")


# Timing ---------------------------------------------------------------------------------------------


@dataclass
class _Aside:
    """Per thread: time spent in moto and in the meter's hooks, and the AWS calls made."""

    depth: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    calls: int = 0


_THREAD = threading.local()


def _aside() -> _Aside:
    state: _Aside | None = getattr(_THREAD, "aside", None)
    if state is None:
        state = _Aside()
        _THREAD.aside = state
    return state


def _set_aside(call: Callable[[], T], aws_call: bool = False) -> T:
    state = _aside()
    if state.depth:
        return call()
    state.depth += 1
    cpu, wall = time.thread_time(), time.perf_counter()
    try:
        return call()
    finally:
        state.depth -= 1
        state.cpu += time.thread_time() - cpu
        state.wall += time.perf_counter() - wall
        state.calls += aws_call


@dataclass
class _Spent:
    """What one thread spent on a piece of work: its CPU, and of that moto's and the meter's; its AWS calls."""

    cpu: float = 0.0
    aside_cpu: float = 0.0
    aside_wall: float = 0.0
    calls: int = 0

    @property
    def own_cpu(self) -> float:
        return max(0.0, self.cpu - self.aside_cpu)


def _spending(call: Callable[[], T], spent: _Spent) -> T:
    """Run `call` in this thread, adding to `spent` what it spends (a handler run inside a moto call, as a
    Task state's Invoke is, or a worker's task counts afresh)."""
    state = _aside()
    saved = asdict(state)
    state.depth, state.cpu, state.wall, state.calls = 0, 0.0, 0.0, 0
    cpu = time.thread_time()
    try:
        return call()
    finally:
        spent.cpu += time.thread_time() - cpu
        spent.aside_cpu += state.cpu
        spent.aside_wall += state.wall
        spent.calls += state.calls
        state.depth, state.cpu, state.wall, state.calls = (saved["depth"], saved["cpu"], saved["wall"], saved["calls"])


class _Workers:
    """The work a handler hands to thread pools (the repositories write a big job's items with 16 workers)."""

    def __init__(self) -> None:
        self.spent = _Spent()
        #: AWS calls made in each pool, and the pool's workers: the pool's calls wait side by side.
        self.pools: dict[int, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def add(self, pool: Any, spent: _Spent) -> None:
        with self._lock:
            self.spent.cpu += spent.cpu
            self.spent.aside_cpu += spent.aside_cpu
            self.spent.aside_wall += spent.aside_wall
            self.spent.calls += spent.calls
            calls, workers = self.pools.get(id(pool), (0, int(pool._max_workers)))
            self.pools[id(pool)] = (calls + spent.calls, workers)

    @property
    def waves(self) -> int:
        """Rounds of AWS calls the workers wait for, each pool's calls spread over its workers."""
        return sum(math.ceil(calls / workers) for calls, workers in self.pools.values())


_HANDLER: ContextVar[_Workers | None] = ContextVar("benchmark_cost_handler", default=None)


@dataclass(frozen=True)
class Invocation:
    function: str
    #: In-process wall time (moto's included: not Lambda's).
    wall: float
    #: The handler's thread, and its workers' threads.
    spent: _Spent
    workers: _Spent
    worker_waves: int
    #: Webhook POSTs it made.
    posts: int

    @property
    def own_cpu(self) -> float:
        return self.spent.own_cpu + self.workers.own_cpu

    def billed_ms(self, memory_mb: int) -> int:
        return billed_ms(self.own_cpu, self.spent.calls + self.worker_waves, self.posts, memory_mb)


class Recorder:
    """The invocations of the handlers it wraps, from any thread."""

    def __init__(self) -> None:
        self.invocations: list[Invocation] = []
        self._lock = threading.Lock()

    def timed(self, function: str, handler: Handler, posts: Callable[[Any], int] | None = None) -> Handler:
        def run(event: Any, context: Any) -> Any:
            spent, workers = _Spent(), _Workers()
            token = _HANDLER.set(workers)
            wall = time.perf_counter()
            try:
                return _spending(lambda: handler(event, context), spent)
            finally:
                _HANDLER.reset(token)
                invocation = Invocation(
                    function,
                    time.perf_counter() - wall,
                    spent,
                    workers.spent,
                    workers.waves,
                    posts(event) if posts else 0,
                )
                with self._lock:
                    self.invocations.append(invocation)

        return run

    def take(self) -> list[Invocation]:
        with self._lock:
            taken, self.invocations = self.invocations, []
        return taken


@contextmanager
def _timed_aws(meter: Meter) -> Iterator[None]:
    """moto's handling of each request, and the meter's hooks around it, set aside from the handler's time;
    the work a handler hands to a thread pool counted as its own."""
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__
    original_submit = ThreadPoolExecutor.submit

    def stubbed(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        return _set_aside(lambda: original(self, event_name, request, **kwargs), aws_call=True)

    def submit(self: ThreadPoolExecutor, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> "Future[T]":
        workers = _HANDLER.get()
        if workers is None:
            return original_submit(self, fn, *args, **kwargs)

        def measured() -> T:
            spent = _Spent()
            try:
                return _spending(lambda: fn(*args, **kwargs), spent)
            finally:
                workers.add(self, spent)

        return original_submit(self, measured)

    BotocoreStubber.__call__ = stubbed  # type: ignore[method-assign]
    ThreadPoolExecutor.submit = submit  # type: ignore[method-assign, assignment]
    # Meter.install registers the instance's attributes: shadowing its hooks there wraps them.
    meter.uninstall()
    hooks = {name: getattr(meter, name) for name in ("_before", "_after")}
    for name, hook in hooks.items():
        setattr(meter, name, lambda h=hook, **kwargs: _set_aside(lambda: h(**kwargs)))
    meter.install()
    try:
        yield
    finally:
        meter.uninstall()
        for name in hooks:
            delattr(meter, name)
        meter.install()
        ThreadPoolExecutor.submit = original_submit  # type: ignore[method-assign]
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]


# The flow -------------------------------------------------------------------------------------------

_EVENTS = (
    WebhookEventType.EXPORT_JOB_CREATED,
    WebhookEventType.EXPORT_JOB_STARTED,
    WebhookEventType.EXPORT_JOB_COMPLETED,
)
_SCOPES = (Scope.EXPORT_JOBS_READ, Scope.EXPORT_JOBS_WRITE, Scope.EXPORT_ITEMS_READ)
WAIT_SECONDS = 60.0


@dataclass
class Job:
    entries: int
    figures: Figures
    invocations: list[Invocation]
    api_requests: Counter[str]
    transitions: int
    deliveries: int
    drains: int
    authorizer_invocations: int = 0


class Flow:
    """One integrator's job, request by request, with its webhooks delivered as the workflow queues them."""

    def __init__(self, meter: Meter, stack: ProvisionedStack, recorder: Recorder, source: Any) -> None:
        self.meter = meter
        self.stack = stack
        self.recorder = recorder
        self.source = source
        self.sfn = boto3.client("stepfunctions", region_name=stack.region)
        self.api_requests: Counter[str] = Counter()
        self.api_functions: set[str] = set()
        self.deliveries = 0
        self.drains = 0

    def api(
        self, method: str, path: str, me: Identity, query: Mapping[str, Any] | None = None, body: Any = None
    ) -> Any:
        route, event = event_for(method, path, me, query, body)
        handler = self.recorder.timed(route.function, handler_for(route))
        result = handler(event, LambdaContext(function_name=route.function))
        self.api_requests[f"{method} {route.path}"] += 1
        self.api_functions.add(route.function)
        if result["statusCode"] >= 300:
            raise AssertionError(f"{method} {path} answered {result['statusCode']}: {result.get('body')}")
        return json.loads(result["body"]) if result.get("body") else None

    def deliver(self) -> None:
        self.deliveries += self.source.drain(timeout_seconds=WAIT_SECONDS)
        self.drains += 1

    def wait(self, what: str, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        with self.meter.ignored():
            while not done():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the workflow did not get there: {what}")
                time.sleep(0.01)

    def awaiting(self, job_id: str) -> str | None:
        lookup = self.meter.lookup
        assert lookup is not None
        job = lookup(get_settings().required("jobs_table_name"), {"pk": {"S": f"JOB#{job_id}"}}) or {}
        return str(job["workflowAwaiting"]["S"]) if "workflowAwaiting" in job else None

    def ended(self, job_id: str) -> bool:
        status = self.sfn.describe_execution(executionArn=self.stack.execution_arn(job_id))["status"]
        return bool(status != "RUNNING")

    def run(self, company: Company, put_items: int) -> Job:
        me = company.identity
        self.recorder.take()
        self.api_requests.clear()
        self.deliveries = self.drains = 0
        with self.meter.measure(every_thread=True) as figures:
            body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids}
            job_id = str(self.api("POST", "/v1/export-jobs", me, body=body)["data"]["id"])
            self.wait("AwaitStart stores its task token", lambda: self.awaiting(job_id) == "pending")
            self.deliver()
            query = {"statuses": "pending", "sorting_keys": "createdAt", "sorting_order": "ASC", "limit": "1"}
            (found,) = self.api("GET", "/v3/export-jobs", me, query=query)["data"]
            assert found["id"] == job_id, found
            self.api("POST", "/v3/export-job-events", me, body={"jobId": job_id, "event": "started"})
            self.wait("AwaitFinish stores its task token", lambda: self.awaiting(job_id) == "in_progress")
            self.deliver()
            ids: list[str] = []
            page: dict[str, str] = {"status": "pending", "limit": "100"}
            while True:
                answer = self.api("GET", f"/v3/export-jobs/{job_id}/items", me, query=page)
                ids += [str(item["accountingEntryId"]) for item in answer["data"]]
                pagination = answer["pagination"]
                if not pagination.get("hasNextPage"):
                    break
                page = {**page, "after": str(pagination["endCursor"])}
            assert sorted(ids) == sorted(company.entry_ids), (len(ids), len(company.entry_ids))
            for start in range(0, len(ids), put_items):
                results = [
                    {
                        "accountingEntryId": entry,
                        "status": "successful",
                        "exportedAt": "2026-10-02T12:00:00Z",
                        "externalId": f"ERP-{start + i}",
                    }
                    for i, entry in enumerate(ids[start : start + put_items])
                ]
                self.api("PUT", f"/v3/export-jobs/{job_id}/items", me, body=results)
            self.api("POST", "/v3/export-job-events", me, body={"jobId": job_id, "event": "completed"})
            self.wait("the execution ends", lambda: self.ended(job_id))
            self.deliver()
        with self.meter.ignored():
            states = workflow.states_entered(self.sfn, self.stack.execution_arn(job_id))
        return Job(
            len(company.entry_ids),
            figures,
            self.recorder.take(),
            Counter(self.api_requests),
            len(states),
            self.deliveries,
            self.drains,
        )


def _authorize(recorder: Recorder, company: Company, function: str, times: int) -> None:
    """The authorizer's real handler on a bearer token, as API Gateway calls it on a cache miss."""
    handler = recorder.timed(function, template_handler(function))
    token = signer().mint("benchmark", [company.company_id], [s.value for s in _SCOPES])
    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/api/GET/v3/export-jobs",
        "resource": "/v3/export-jobs",
        "path": "/v3/export-jobs",
        "httpMethod": "GET",
        "headers": {"Authorization": f"Bearer {token}"},
    }
    for _ in range(times):
        handler(event, LambdaContext(function_name=function))


def usage_of(job: Job, memory: Mapping[str, int]) -> Usage:
    invocations: Counter[str] = Counter(i.function for i in job.invocations)
    seconds: dict[str, float] = {}
    for invocation in job.invocations:
        mb = memory[invocation.function]
        seconds[invocation.function] = seconds.get(invocation.function, 0.0) + gb_seconds(invocation.billed_ms(mb), mb)
    ops = job.figures.by_operation
    # Each drain ends on one empty receive: the bench's, not the job's (the event source mapping's idle
    # long polls are a cost of the queue, whatever the jobs).
    sqs = sum(n for op, n in ops.items() if op.startswith("sqs:")) - job.drains
    return Usage(
        api_requests=sum(job.api_requests.values()),
        invocations=dict(invocations),
        gb_seconds=seconds,
        read_units=job.figures.read_units,
        write_units=job.figures.write_units,
        transitions=job.transitions,
        sqs_requests=sqs,
        secrets_calls=sum(n for op, n in ops.items() if op.startswith("secrets-manager:")),
    )


def _capacity_by_operation(figures: Figures) -> dict[str, dict[str, float]]:
    """Read and write units by DynamoDB operation: which requests the units go to."""
    found: dict[str, dict[str, float]] = {}
    for call in figures.calls:
        if call.service != "dynamodb":
            continue
        units = found.setdefault(call.operation, {"requests": 0, "read_units": 0.0, "write_units": 0.0})
        units["requests"] += 1
        units["read_units"] += call.read_units
        units["write_units"] += call.write_units + call.index_write_units
    return found


def _dollars(value: float) -> str:
    return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"


def _rows(job: Job, memory: Mapping[str, int]) -> list[Row]:
    usage = usage_of(job, memory)
    by_service = costs(usage)
    total = sum(by_service.values())
    top = max(by_service, key=lambda k: by_service[k])
    per_function = {
        name: {
            "memory_mb": memory[name],
            "invocations": usage.invocations[name],
            "gb_seconds": round(usage.gb_seconds[name], 6),
            "billed_ms": sum(i.billed_ms(memory[name]) for i in job.invocations if i.function == name),
            "cpu_ms": round(sum(i.own_cpu for i in job.invocations if i.function == name) * 1000, 1),
            "wall_ms_in_process": round(sum(i.wall for i in job.invocations if i.function == name) * 1000, 1),
            "aws_calls": sum(i.spent.calls + i.workers.calls for i in job.invocations if i.function == name),
            "aws_waits": sum(i.spent.calls + i.worker_waves for i in job.invocations if i.function == name),
        }
        for name in sorted(usage.invocations)
    }
    n = job.entries
    lambda_calls = sum(usage.invocations.values())
    return [
        Row(
            SECTION,
            f"job of {n:,} entries: what it uses",
            f"{usage.api_requests} API req · {lambda_calls} Lambda inv ({job.authorizer_invocations} authorizer) · "
            f"{sum(usage.gb_seconds.values()):.3f} GB-s · {usage.read_units:g} RRU · {usage.write_units:g} WRU · "
            f"{usage.transitions} transitions · {usage.sqs_requests} SQS req · "
            f"{usage.secrets_calls} Secrets Manager · {job.deliveries} webhooks",
            goal=GOAL,
            verdict=GOAL,
            details={
                "api_requests": dict(job.api_requests),
                "functions": per_function,
                "capacity_by_operation": _capacity_by_operation(job.figures),
                "deliveries": job.deliveries,
                **job.figures.as_dict(),
            },
        ),
        Row(
            SECTION,
            f"job of {n:,} entries: cost ({REGION} list prices)",
            f"{_dollars(total)} a job · {_dollars(total / n * 1000)} per 1,000 entries",
            reference=f"most: {top} {by_service[top] / total:.0%}",
            goal=GOAL,
            verdict=GOAL,
            details={"usd_by_service": by_service, "usd_total": total, "usd_per_1000_entries": total / n * 1000},
        ),
    ]


def run(meter: Meter, sizes: Sizes, stack: ProvisionedStack) -> list[Row]:
    memory = memory_sizes()
    authorizer, ttl = authorizer_cache()
    recorder = Recorder()
    workflow_function = "JobWorkflowFunction"
    hook_name = f"{stack.stack_name}-{workflow_function}"[:64]
    rows = [
        Row(
            SECTION,
            f"prices: {REGION}, on-demand list, checked {PRICES_CHECKED}",
            f"API ${PRICES.api_request.usd * 1e6:.2f}/M · Lambda arm ${PRICES.lambda_arm_gb_second.usd:.10f}/GB-s "
            f"+ ${PRICES.lambda_request.usd * 1e6:.2f}/M · DynamoDB ${PRICES.dynamodb_read_unit.usd * 1e6:.3f}/M RRU, "
            f"${PRICES.dynamodb_write_unit.usd * 1e6:.3f}/M WRU · SFN ${PRICES.state_transition.usd * 1e3:.3f}/1k · "
            f"SQS ${PRICES.sqs_request.usd * 1e6:.2f}/M",
            goal=GOAL,
            verdict=GOAL,
            details={
                "prices": asdict(PRICES),
                "memory_mb": memory,
                "authorizer": {"function": authorizer, "cache_ttl_seconds": ttl},
                "assumptions": {
                    "full_vcpu_mb": FULL_VCPU_MB,
                    "aws_call_ms": AWS_CALL_MS,
                    "subscriber_ms": SUBSCRIBER_MS,
                },
            },
        )
    ]
    with webhooks_environment() as source, receiver() as url, _timed_aws(meter):
        source.handler = recorder.timed(
            "WebhookDeliveryFunction",
            template_handler("WebhookDeliveryFunction"),
            posts=lambda event: len(event.get("Records") or []),
        )
        stack.hook.register(
            hook_name, workflow_function, recorder.timed(workflow_function, template_handler(workflow_function))
        )
        try:
            flow = Flow(meter, stack, recorder, source)
            # Warm instances: the first job pays for imports, clients and secrets; it is not counted.
            for warm, entries in ((True, 10), *((False, n) for n in sizes.cost_entries)):
                with meter.ignored():
                    company = Company.through_api(entries)
                    owner = Caller(
                        principal_id="bench",
                        company_ids=frozenset({uuid.UUID(company.company_id)}),
                        scopes=frozenset(s.value for s in _SCOPES),
                    )
                    get_services().subscriptions.create(
                        owner, None, SubscriptionRequest(endpoint_url=url, event_types=list(_EVENTS))
                    )
                job = flow.run(company, sizes.put_items)
                # What the integrator waits for: its requests, one after the other.
                seconds = (
                    sum(i.billed_ms(memory[i.function]) for i in job.invocations if i.function in flow.api_functions)
                    / 1000
                )
                job.authorizer_invocations = max(1, math.ceil(seconds / ttl))
                with meter.measure() as authorizing:
                    _authorize(recorder, company, authorizer, job.authorizer_invocations)
                job.invocations += recorder.take()
                job.figures.calls += authorizing.calls
                if not warm:
                    rows += _rows(job, memory)
        finally:
            stack.hook.register(hook_name, workflow_function, template_handler(workflow_function))
    return rows
