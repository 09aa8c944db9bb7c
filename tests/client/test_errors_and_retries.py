"""The client against recorded error answers (httpx.MockTransport): retries with backoff and jitter
honouring Retry-After, one Idempotency-Key per write across its retries (a connection dropped mid-PUT
is retried and replayed, not applied twice), typed errors, batches of 100, cursor pages, both
credentials, default timeouts."""

import asyncio
import base64
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest
from export_api_client import AsyncExportApiClient, ExportApiClient, RetryPolicy, errors, models
from export_api_client._base import DEFAULT_TIMEOUT
from export_api_client.retry import parse_retry_after

T = TypeVar("T")


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run on a loop of its own: asyncio.run() would leave the main thread without a current loop,
    which other tests (and libraries calling asyncio.get_event_loop()) still expect."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(work)
    finally:
        loop.close()


BASE = "https://export-api.test"
JOB_ID = "7c1f4a5e-7b2d-4c89-9a2e-5d6f7a8b9c0d"
COMPANY_ID = "11111111-1111-4111-8111-111111111111"


def job(status: str = "pending") -> dict[str, Any]:
    return {
        "id": JOB_ID,
        "companyId": COMPANY_ID,
        "createdAt": "2026-11-01T10:00:00Z",
        "expiresIn": 86400,
        "isInteractive": False,
        "numberOfItems": 3,
        "status": status,
        "vendorBasedBookkeeping": False,
    }


def error(status: int, type_: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"type": type_, "message": f"{type_} (recorded)"}, headers=headers)


class Recorder:
    """A MockTransport handler answering from a script, one answer (or exception) per request."""

    def __init__(self, *answers: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def client(recorder: Recorder, sleeps: list[float], **options: Any) -> ExportApiClient:
    return ExportApiClient(BASE, token="t0ken", transport=httpx.MockTransport(recorder), sleep=sleeps.append, **options)


def test_a_429_is_retried_after_the_servers_retry_after() -> None:
    recorder = Recorder(
        error(429, "TOO_MANY_REQUESTS", {"Retry-After": "3"}), httpx.Response(200, json={"data": job()})
    )
    sleeps: list[float] = []
    assert client(recorder, sleeps).get_export_job(JOB_ID).status == "pending"
    assert len(recorder.requests) == 2
    assert sleeps
    assert 3 <= sleeps[0] <= RetryPolicy().max_retry_after


def test_a_503_is_retried_with_growing_jittered_backoff_then_raised_typed() -> None:
    policy = RetryPolicy(max_attempts=4, backoff_base=1.0, backoff_max=100.0)
    recorder = Recorder(*(error(503, "SERVICE_UNAVAILABLE") for _ in range(4)))
    sleeps: list[float] = []
    with pytest.raises(errors.ServerError) as raised:
        client(recorder, sleeps, retry=policy).get_export_job(JOB_ID)
    assert (raised.value.status, raised.value.type) == (503, "SERVICE_UNAVAILABLE")
    assert len(recorder.requests) == 4
    # Full jitter: each wait lies in [0, base * 2^(attempt-1)].
    assert len(sleeps) == 3
    assert all(0 <= s <= 2**n for n, s in enumerate(sleeps))


def test_a_503_then_success_answers() -> None:
    recorder = Recorder(
        error(503, "SERVICE_UNAVAILABLE"), error(502, "BAD_GATEWAY"), httpx.Response(200, json={"data": job()})
    )
    assert client(recorder, []).get_export_job(JOB_ID).id == uuid.UUID(JOB_ID)


def test_a_connection_dropped_mid_put_is_retried_with_the_same_idempotency_key_and_applied_once() -> None:
    applied: dict[str, Any] = {}

    def server(request: httpx.Request) -> httpx.Response:
        key = request.headers["Idempotency-Key"]
        if key not in applied:  # the first attempt is applied, then its answer is lost
            applied[key] = {"data": [dict(u, exportJobId=JOB_ID) for u in json.loads(request.content)], "errors": []}
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(200, json=applied[key], headers={"Idempotent-Replayed": "true"})

    recorder = Recorder(server, server)
    update = models.UpdateExportJobItemV3(accounting_entry_id=uuid.uuid4(), status="successful", external_id="V-1")
    result = client(recorder, []).update_export_job_items(JOB_ID, [update])
    assert result.ok
    assert [i.external_id for i in result.updated] == ["V-1"]
    assert len(applied) == 1
    keys = {r.headers["Idempotency-Key"] for r in recorder.requests}
    assert len(recorder.requests) == 2
    assert len(keys) == 1


def test_every_write_carries_its_own_idempotency_key_and_reads_none() -> None:
    recorder = Recorder(httpx.Response(202), httpx.Response(202), httpx.Response(200, json={"data": job()}))
    api = client(recorder, [])
    api.send_export_job_event(JOB_ID, "started")
    api.send_export_job_event(JOB_ID, "completed")
    api.get_export_job(JOB_ID)
    first, second, read = recorder.requests
    assert first.headers["Idempotency-Key"] != second.headers["Idempotency-Key"]
    assert "Idempotency-Key" not in read.headers
    assert json.loads(first.content) == {"jobId": JOB_ID, "event": "started"}


def test_a_key_still_in_use_is_retried() -> None:
    recorder = Recorder(error(422, "IDEMPOTENCY_KEY_IN_USE"), httpx.Response(202))
    client(recorder, []).send_export_job_event(JOB_ID, "started")
    assert len(recorder.requests) == 2


def test_connection_errors_exhaust_into_a_transport_error() -> None:
    recorder = Recorder(*(httpx.ConnectError("refused") for _ in range(3)))
    with pytest.raises(errors.TransportError):
        client(recorder, [], retry=RetryPolicy(max_attempts=3)).get_export_job(JOB_ID)
    assert len(recorder.requests) == 3


@pytest.mark.parametrize(
    ("status", "type_", "expected"),
    [
        (404, "EXPORT_NOT_FOUND", errors.ExportNotFound),
        (409, "EXPORT_ALREADY_IN_PROGRESS", errors.ExportAlreadyInProgress),
        (422, "INVALID_EXPORT_JOB_STATUS_CHANGE", errors.InvalidExportJobStatusChange),
        (400, "MISSING_CONTRA_ACCOUNTS", errors.MissingContraAccounts),
        (401, "UNAUTHORIZED", errors.Unauthorized),
        (403, "FORBIDDEN", errors.Forbidden),
        (400, "BAD_REQUEST", errors.BadRequest),
        (500, "INTERNAL_SERVER_ERROR", errors.ServerError),
    ],
)
def test_errors_are_typed_and_carry_the_contracts_type(status: int, type_: str, expected: type[Exception]) -> None:
    recorder = Recorder(*(error(status, type_) for _ in range(5)))
    with pytest.raises(expected) as raised:
        client(recorder, [], retry=RetryPolicy(max_attempts=2)).get_export_job(JOB_ID)
    assert isinstance(raised.value, errors.ApiError)
    assert (raised.value.status, raised.value.type) == (status, type_)
    assert raised.value.message == f"{type_} (recorded)"


def test_updates_go_in_batches_of_100_with_per_item_errors_returned() -> None:
    ids = [uuid.uuid4() for _ in range(250)]
    refused = {str(ids[5]), str(ids[170])}

    def server(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        ok = [dict(u, exportJobId=JOB_ID) for u in body if u["accountingEntryId"] not in refused]
        bad = [
            {"accountingEntryId": u["accountingEntryId"], "type": "ACCOUNTING_ENTRY_DOES_NOT_EXIST", "message": "no"}
            for u in body
            if u["accountingEntryId"] in refused
        ]
        return httpx.Response(200, json={"data": ok, "errors": bad})

    recorder = Recorder(server, server, server)
    updates = (models.UpdateExportJobItemV3(accounting_entry_id=i, status="successful") for i in ids)
    result = client(recorder, []).update_export_job_items(JOB_ID, updates)
    assert [len(json.loads(r.content)) for r in recorder.requests] == [100, 100, 50]
    assert len(result.updated) == 248
    assert {str(e.accounting_entry_id) for e in result.errors} == refused
    assert {e.type for e in result.errors} == {"ACCOUNTING_ENTRY_DOES_NOT_EXIST"}


def page(data: list[dict[str, Any]], end_cursor: str | None) -> httpx.Response:
    pagination: dict[str, Any] = {
        "currentRequestPagination": {"parameters": {}},
        "hasNextPage": end_cursor is not None,
        "hasPreviousPage": False,
    }
    if end_cursor:
        pagination["endCursor"] = end_cursor
    return httpx.Response(200, json={"data": data, "pagination": pagination})


def test_lists_follow_the_cursor_pages() -> None:
    recorder = Recorder(page([job()], "CURSORA"), page([job("in_progress")], "CURSORB"), page([job("completed")], None))
    jobs = list(client(recorder, []).list_export_jobs(statuses=["pending", "in_progress"], page_size=1))
    assert [j.status for j in jobs] == ["pending", "in_progress", "completed"]
    queries = [dict(r.url.params.multi_items()) for r in recorder.requests]
    assert [q.get("after") for q in queries] == [None, "CURSORA", "CURSORB"]
    assert recorder.requests[0].url.params.get_list("statuses") == ["pending", "in_progress"]
    assert {q["limit"] for q in queries} == {"1"}


def test_both_credentials() -> None:
    recorder = Recorder(httpx.Response(200, json={"data": job()}), httpx.Response(200, json={"data": job()}))
    transport = httpx.MockTransport(recorder)
    ExportApiClient(BASE, token="abc", transport=transport).get_export_job(JOB_ID)
    ExportApiClient(BASE, api_key="key-id:secret", transport=transport).get_export_job(JOB_ID)
    bearer, basic = (r.headers["Authorization"] for r in recorder.requests)
    assert bearer == "Bearer abc"
    assert basic == "Basic " + base64.b64encode(b"key-id:secret:").decode()
    with pytest.raises(ValueError, match="exactly one credential"):
        ExportApiClient(BASE)


def test_requests_have_a_timeout_by_default() -> None:
    seen: list[dict[str, Any]] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"data": job()})

    ExportApiClient(BASE, token="t", transport=httpx.MockTransport(server)).get_export_job(JOB_ID)
    assert seen == [DEFAULT_TIMEOUT.as_dict()]
    assert all(value is not None for value in seen[0].values())


def test_retry_after_as_an_http_date_and_garbage() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 01 Nov 2026 12:00:07 GMT", now) == 7.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_the_async_client_retries_pages_and_batches_alike() -> None:
    recorder = Recorder(
        error(429, "TOO_MANY_REQUESTS", {"Retry-After": "1"}),
        page([job()], "NEXT"),
        page([job("completed")], None),
        httpx.ConnectError("refused"),
        lambda request: httpx.Response(
            200, json={"data": [dict(u, exportJobId=JOB_ID) for u in json.loads(request.content)], "errors": []}
        ),
    )
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def scenario() -> tuple[list[str], int]:
        async with AsyncExportApiClient(BASE, api_key="k", transport=httpx.MockTransport(recorder), sleep=sleep) as api:
            statuses = [j.status async for j in api.list_export_jobs()]
            update = models.UpdateExportJobItemV3(accounting_entry_id=uuid.uuid4(), status="successful")
            result = await api.update_export_job_items(JOB_ID, [update])
            return statuses, len(result.updated)

    assert run_async(scenario()) == (["pending", "completed"], 1)
    assert sleeps[0] >= 1
    put_attempts = [r for r in recorder.requests if r.method == "PUT"]
    assert len(put_attempts) == 2
    assert len({r.headers["Idempotency-Key"] for r in put_attempts}) == 1
