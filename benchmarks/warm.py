"""4. Warm requests against the framework's floor: per API operation, the CPU one warm request costs in our
Lambda handler against a bare FastAPI + Mangum app with the same routes that makes the same AWS calls.

The floor of a function is built from the function itself: every route of its `HttpApi` (method and path
template, so routing costs the same) put on a bare FastAPI app wrapped by Mangum, each answering with
`replay`: the AWS calls our handler made for the same request, sent again through a plain boto3 client
with the same parameters, then the same JSON body and status. What is left between the two is ours:
settings, models and validation, services, version projection, error mapping, logging and metrics.

Both run in this thread, against moto in-process, one request of ours and then the floor's for the same
event, over many requests; the figure is CPU time of this thread (`time.thread_time`: moto's execution
threads, which run the state machine beside the requests, are not counted). Before the floor replays a
write, the items ours wrote are put back as they were (straight into moto, unmeasured), so that its
conditions hold and moto does the same work again. A Step Functions call is replayed as it was made: a
task token that ours has already spent answers with an error, in this thread at about the cost of the
call; the execution it resumed runs in moto's threads either way.
"""

import contextlib
import json
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import boto3
from botocore import xform_name
from botocore.exceptions import ClientError
from export_api.http.app import HttpApi
from export_api.repositories import aws
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from mangum import Mangum

from benchmarks.access import put_body
from benchmarks.api import event_for
from benchmarks.capacity import Wire
from benchmarks.config import Sizes
from benchmarks.data import Company
from benchmarks.meter import WRITE_OPERATIONS, moto_lookups, session_events, written_keys
from benchmarks.report import Row, verdict
from export_api_local.apigw import LambdaContext, handler_for

SECTION = "4 warm requests"
RATIO_GOAL = 1.10
# A read of one job: at most this much CPU above the floor.
JOB_READ_GOAL_MS = 0.3
JOB_READ = "GET /v3/export-jobs/{jobId}"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class AwsCall:
    service: str
    operation: str
    params: dict[str, Any]


@dataclass
class Recording:
    """The AWS calls and the answer of our handler's last request: what the floor replays."""

    calls: list[AwsCall] = field(default_factory=list)
    status: int = 200
    body: Any = None


class BeforeImages:
    """The items a request's DynamoDB writes touch, as they were before it: put back into moto's backend
    after the request, so that a replay of its writes finds what it found."""

    def __init__(self, region: str) -> None:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
        self._lookup, self._keys_of = moto_lookups(region)
        self.images: list[tuple[str, Wire, Wire | None]] = []

    def keep(self, operation: str, body: dict[str, Any]) -> None:
        if operation in WRITE_OPERATIONS:
            for table, key, _ in written_keys(operation, body, self._keys_of):
                self.images.append((table, key, self._lookup(table, key)))

    def put_back(self) -> None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        # The first image of an item is the one before the request (a transaction may name it once, a
        # request several times).
        for table_name, key, before in reversed(self.images):
            table = self._backend.get_table(table_name)
            if before is not None:
                table.put_item(dict(before))
                continue
            range_value = key.get(table.range_key_attr) if table.range_key_attr else None
            table.delete_item(DynamoType(key[table.hash_key_attr]), DynamoType(range_value) if range_value else None)
        self.images = []


class CallRecorder:
    """Records the AWS calls this thread makes while `recording()` (botocore's `before-call`, on the boto3
    session every client of the process is made from): their service, operation and wire parameters."""

    def __init__(self, before_images: BeforeImages) -> None:
        self.calls: list[AwsCall] = []
        self.before_images = before_images
        self.overhead = 0.0
        self._thread: int | None = None

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self._thread != threading.get_ident():
            return
        started = time.thread_time()
        call = AwsCall(model.service_model.service_name, model.name, json.loads(params.get("body") or b"{}"))
        self.calls.append(call)
        if call.service == "dynamodb":
            self.before_images.keep(call.operation, call.params)
        # The recording's own CPU is the benchmark's, not the request's.
        self.overhead += time.thread_time() - started

    @contextmanager
    def installed(self) -> Iterator["CallRecorder"]:
        events = session_events()
        events.register("before-call", self._before, unique_id="bench-warm-recorder")
        aws.reset_clients()  # clients copy the session's handlers when they are made
        try:
            yield self
        finally:
            events.unregister("before-call", unique_id="bench-warm-recorder")
            aws.reset_clients()

    @contextmanager
    def recording(self) -> Iterator[list[AwsCall]]:
        self.calls = []
        self.overhead = 0.0
        self._thread = threading.get_ident()
        try:
            yield self.calls
        finally:
            self._thread = None


class Floor:
    """The bare FastAPI + Mangum app of one function: its routes, each replaying `recording`."""

    def __init__(self, api: HttpApi) -> None:
        self.recording = Recording()
        self._clients: dict[str, Any] = {}
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        for router in api.routers:
            for route in router.routes:
                if isinstance(route, APIRoute):
                    app.add_api_route(route.path, self._replay, methods=sorted(route.methods or ()))
        self.handler: Handler = Mangum(app, lifespan="off")

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service)  # type: ignore[call-overload]
        return self._clients[service]

    async def _replay(self, request: Request) -> Response:
        await request.body()
        for call in self.recording.calls:
            params = call.params
            if "ClientRequestToken" in params:
                # A token of its own, as each of our requests has: DynamoDB answers a token it has seen
                # with the first answer, without doing the writes again.
                params = {**params, "ClientRequestToken": str(uuid.uuid4())}
            # A spent task token is answered with an error, as it would be on AWS.
            with contextlib.suppress(ClientError):
                getattr(self._client(call.service), xform_name(call.operation))(**params)
        if self.recording.body is None:
            return Response(status_code=self.recording.status)
        return JSONResponse(self.recording.body, status_code=self.recording.status)


@dataclass(frozen=True)
class Case:
    name: str
    events: Callable[[int], Iterator[tuple[Any, dict[str, Any]]]]
    """`count` (route, API Gateway event) pairs, one per request: the same event for a repeatable request."""
    expect: int = 200


def _repeated(route_and_event: tuple[Any, dict[str, Any]]) -> Callable[[int], Iterator[tuple[Any, dict[str, Any]]]]:
    def events(count: int) -> Iterator[tuple[Any, dict[str, Any]]]:
        for _ in range(count):
            yield route_and_event

    return events


def _cpu(run: Callable[[], Any]) -> float:
    start = time.thread_time()
    run()
    return time.thread_time() - start


def _ours(handler: Handler, event: dict[str, Any], context: Any, recorder: CallRecorder) -> tuple[float, Recording]:
    """CPU seconds of our handler's request, and what the floor is to replay of it."""
    answer: dict[str, Any] = {}
    with recorder.recording() as recorded:
        cpu = _cpu(lambda: answer.update(handler(event, context))) - recorder.overhead
    recorder.before_images.put_back()
    body = answer.get("body")
    return cpu, Recording(list(recorded), answer["statusCode"], json.loads(body) if body else None)


def _measure(case: Case, count: int, recorder: CallRecorder, floors: dict[str, Floor]) -> tuple[float, float, int]:
    """Median CPU seconds of one request of ours and of the floor's, and the AWS calls of one request."""
    ours: list[float] = []
    floor_samples: list[float] = []
    calls = 0
    warm_up = 5
    for index, (route, event) in enumerate(case.events(count + warm_up)):
        floor = floors.setdefault(route.module, Floor(_api_of(route)))
        context = LambdaContext(function_name=route.function)
        cpu, floor.recording = _ours(handler_for(route), event, context, recorder)
        if floor.recording.status != case.expect:
            raise AssertionError(f"{case.name}: answered {floor.recording.status}: {floor.recording.body}")
        floor_cpu = _cpu(partial(floor.handler, event, context))
        if index >= warm_up:
            ours.append(cpu)
            floor_samples.append(floor_cpu)
            calls = len(floor.recording.calls)
    return statistics.median(ours), statistics.median(floor_samples), calls


def _api_of(route: Any) -> HttpApi:
    import importlib

    api: HttpApi | None = importlib.import_module(route.module).FUNCTION.api
    if api is None:
        raise LookupError(f"{route.function} has no HTTP routes")
    return api


def _cases(sizes: Sizes) -> list[Case]:
    company = Company.through_api(sizes.warm_items)
    me = company.identity
    job = company.create_job(company.entry_ids)
    company.event(job, "started")
    page = {"limit": str(min(sizes.warm_items, 100))}
    updates = put_body(company.entry_ids[: min(sizes.warm_items, 100)])
    # One pending job per company: an event moves its job, so each request has a job of its own.
    pending = [Company.through_api(2) for _ in range(sizes.warm_events + 5)]
    pending_jobs = [(c, c.create_job(c.entry_ids)) for c in pending]

    def started(count: int) -> Iterator[tuple[Any, dict[str, Any]]]:
        for other, pending_job in pending_jobs[:count]:
            body = {"jobId": pending_job, "event": "started"}
            yield event_for("POST", "/v3/export-job-events", other.identity, body=body)

    entry = company.entry_ids[0]
    return [
        Case(JOB_READ, _repeated(event_for("GET", f"/v3/export-jobs/{job}", me))),
        Case("GET /v1/export-jobs/{jobId}", _repeated(event_for("GET", f"/v1/export-jobs/{job}", me))),
        Case("GET /v3/export-jobs", _repeated(event_for("GET", "/v3/export-jobs", me))),
        Case(
            f"GET /v3/export-jobs/{{jobId}}/items (limit {page['limit']})",
            _repeated(event_for("GET", f"/v3/export-jobs/{job}/items", me, page)),
        ),
        Case(
            f"PUT /v3/export-jobs/{{jobId}}/items ({len(updates)} items)",
            _repeated(event_for("PUT", f"/v3/export-jobs/{job}/items", me, body=updates)),
        ),
        Case(
            "GET /v3/export-job-items (one entry)",
            _repeated(event_for("GET", "/v3/export-job-items", me, {"accounting_entry_id": entry})),
        ),
        Case(
            f"GET /v3/export-items (limit {page['limit']})",
            _repeated(event_for("GET", "/v3/export-items", me, {"job_id": job, **page})),
        ),
        Case("POST /v3/export-job-events (started)", started, expect=202),
        Case("GET /health", _repeated(event_for("GET", "/health", None))),
    ]


def run(sizes: Sizes) -> list[Row]:
    rows = []
    floors: dict[str, Floor] = {}
    with CallRecorder(BeforeImages(os.environ["AWS_DEFAULT_REGION"])).installed() as recorder:
        for case in _cases(sizes):
            count = sizes.warm_events if "export-job-events" in case.name else sizes.warm_requests
            ours, floor, calls = _measure(case, count, recorder, floors)
            ratio = ours / floor
            above_ms = (ours - floor) * 1000
            met = ratio <= RATIO_GOAL and (case.name != JOB_READ or above_ms <= JOB_READ_GOAL_MS)
            goal = f"≤ {RATIO_GOAL:.2f}x" + (f", ≤ +{JOB_READ_GOAL_MS} ms" if case.name == JOB_READ else "")
            rows.append(
                Row(
                    section=SECTION,
                    case=case.name,
                    measured=f"ours {ours * 1000:.2f} ms CPU",
                    reference=f"floor {floor * 1000:.2f} ms ({calls} AWS calls)",
                    ratio=ratio,
                    goal=goal,
                    verdict=f"{verdict(met)} (+{above_ms:.2f} ms)",
                    details={
                        "ours_ms": ours * 1000,
                        "floor_ms": floor * 1000,
                        "above_floor_ms": above_ms,
                        "aws_calls": calls,
                        "requests": count,
                    },
                )
            )
    return rows
