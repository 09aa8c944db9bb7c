"""A big job's batch requests: every item written and read, what DynamoDB leaves unprocessed sent again
with backoff, and a bounded number of requests in flight (repositories/items.py, repositories/fanout.py).

DynamoDB's partial answers are played by a botocore `before-call` hook on the application's client: it
sends part of the request to moto through a client of its own, and answers the rest as unprocessed, as a
throttled partition does.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from export_api.models.enums import ExportJobItemStatus
from export_api.models.jobs import ExportJobItem
from export_api.repositories import aws, fanout
from export_api.repositories.items import ItemsRepository, job_item_record
from export_api.repositories.jobs import JobsRepository

from tests.conftest import TABLES
from tests.support.api import ApiClient
from tests.support.data import Company

ITEMS_TABLE = TABLES["ItemsTable"]


@pytest.fixture
def items(tables: None) -> ItemsRepository:
    return ItemsRepository(ITEMS_TABLE, JobsRepository(TABLES["JobsTable"]))


def _ids(count: int) -> list[UUID]:
    return sorted((uuid4() for _ in range(count)), key=str)


def _stored_items(job_id: UUID) -> dict[str, dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(ITEMS_TABLE)
    found: dict[str, dict[str, Any]] = {}
    query: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": f"ITEMS#{job_id}"},
    }
    while True:
        page = table.query(**query)
        found.update({str(r["sk"]): r for r in page["Items"]})
        if "LastEvaluatedKey" not in page:
            return found
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The sleeps of the repositories' fan-out threads, recorded and skipped (other threads sleep as usual)."""
    recorded: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        if threading.current_thread().name.startswith("ThreadPoolExecutor"):
            recorded.append(seconds)
            return
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return recorded


@pytest.fixture
def intercept() -> Iterator[Callable[[Any, str, Callable[..., Any]], None]]:
    """`intercept(client, operation, handler)`: `handler(request)` answers the client's calls of `operation`
    (the request and the answer in DynamoDB's wire form), or lets them through by answering None."""
    registered: list[tuple[Any, str, str]] = []

    def install(client: Any, operation: str, handler: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
        def before_call(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            answer = handler(json.loads(params["body"]))
            if answer is None:
                return None
            return AWSResponse("https://dynamodb.eu-west-1.amazonaws.com/", 200, HTTPHeaders(), None), answer

        event, unique_id = f"before-call.dynamodb.{operation}", f"test-intercept-{len(registered)}"
        client.meta.events.register(event, before_call, unique_id=unique_id)
        registered.append((client, event, unique_id))

    yield install
    for client, event, unique_id in registered:
        client.meta.events.unregister(event, unique_id=unique_id)
    aws.reset_clients()


def test_a_new_jobs_items_are_the_records_the_item_builder_makes(items: ItemsRepository) -> None:
    job_id, company_id, created = uuid4(), uuid4(), datetime.now(UTC)
    entries = _ids(60)

    items.write_job_items(job_id, company_id, created, entries)

    stored = _stored_items(job_id)
    assert set(stored) == {str(e) for e in entries}
    for entry in entries:
        expected = job_item_record(
            ExportJobItem(
                accounting_entry_id=entry,
                export_job_id=job_id,
                status=ExportJobItemStatus.PENDING,
                company_id=company_id,
                job_created_at=created,
            )
        )
        assert stored[str(entry)] == expected


def test_unprocessed_items_are_sent_again_after_a_backoff(
    items: ItemsRepository, intercept: Callable[..., None], backoffs: list[float]
) -> None:
    plain: Any = boto3.client("dynamodb")
    throttled: list[int] = []

    def half_written(request: dict[str, Any]) -> dict[str, Any] | None:
        requests = request["RequestItems"][ITEMS_TABLE]
        if len(requests) < 25:
            # A request sent again (the rest of one, 13 items) is written whole.
            return None
        # DynamoDB writes the first half, and leaves the rest unprocessed.
        half = len(requests) // 2
        plain.batch_write_item(RequestItems={ITEMS_TABLE: requests[:half]})
        throttled.append(len(requests) - half)
        return {"UnprocessedItems": {ITEMS_TABLE: requests[half:]}}

    intercept(aws.bulk_dynamodb(), "BatchWriteItem", half_written)
    job_id = uuid4()
    entries = _ids(100)

    items.write_job_items(job_id, uuid4(), datetime.now(UTC), entries)

    assert set(_stored_items(job_id)) == {str(e) for e in entries}
    assert throttled, "no request was left unprocessed"
    # One backoff before each request sent again, within the first try's bound.
    assert len(backoffs) == len(throttled)
    assert all(0 <= seconds <= 0.05 for seconds in backoffs)


def test_a_write_dynamodb_keeps_refusing_fails_after_bounded_tries(
    items: ItemsRepository, intercept: Callable[..., None], backoffs: list[float]
) -> None:
    intercept(
        aws.bulk_dynamodb(),
        "BatchWriteItem",
        lambda request: {"UnprocessedItems": request["RequestItems"]},
    )

    with pytest.raises(RuntimeError, match=f"unprocessed after {fanout.UNPROCESSED_ATTEMPTS} tries"):
        # Two requests (25 items and 5), each tried to the end.
        items.write_job_items(uuid4(), uuid4(), datetime.now(UTC), _ids(30))

    # A backoff between two tries, none after the last (jittered up to a growing bound, capped at 1 s).
    assert len(backoffs) == 2 * (fanout.UNPROCESSED_ATTEMPTS - 1)
    assert all(0 <= seconds <= 1.0 for seconds in backoffs)


@pytest.mark.parametrize("through", ["existence check (bulk client)", "job items (the repositories' client)"])
def test_unprocessed_keys_are_read_again(
    items: ItemsRepository, intercept: Callable[..., None], backoffs: list[float], through: str
) -> None:
    company_id, job_id = uuid4(), uuid4()
    # 150 keys: a call of 100 and one of 50.
    entries = _ids(150)
    items.write_job_items(job_id, company_id, datetime.now(UTC), entries)
    plain: Any = boto3.client("dynamodb")
    throttled: list[int] = []

    def half_read(request: dict[str, Any]) -> dict[str, Any] | None:
        asked = request["RequestItems"][ITEMS_TABLE]
        if len(asked["Keys"]) < 50:
            # Keys asked again (the rest of one call's, 50 at most here) are read whole.
            return None
        half = len(asked["Keys"]) // 2
        answer = plain.batch_get_item(RequestItems={ITEMS_TABLE: {**asked, "Keys": asked["Keys"][:half]}})
        throttled.append(half)
        return {
            "Responses": answer["Responses"],
            "UnprocessedKeys": {ITEMS_TABLE: {**asked, "Keys": asked["Keys"][half:]}},
        }

    if through.startswith("existence"):
        # The entries themselves: the job items' records stand in for them under the entries' keys.
        table = boto3.resource("dynamodb").Table(ITEMS_TABLE)
        with table.batch_writer() as batch:
            for entry in entries:
                batch.put_item(Item={"pk": f"ENTRIES#{company_id}", "sk": str(entry), "format": 1, "entry": "{}"})
        intercept(aws.bulk_dynamodb(), "BatchGetItem", half_read)
        assert items.existing_entry_ids(company_id, [*entries, uuid4()]) == set(entries)
    else:
        intercept(aws.dynamodb(), "BatchGetItem", half_read)
        found = items.get_job_items(job_id, entries)
        assert set(found) == set(entries)
        assert {item.status for item in found.values()} == {ExportJobItemStatus.PENDING}
    assert throttled
    assert len(backoffs) == len(throttled)


def test_a_big_jobs_writes_run_a_bounded_number_at_a_time(
    items: ItemsRepository, intercept: Callable[..., None]
) -> None:
    lock = threading.Lock()
    in_flight = [0]
    most = [0]
    threads: set[str] = set()

    def counted(request: dict[str, Any]) -> None:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            threads.add(threading.current_thread().name)
        # Long enough that the next calls start while this one waits, as for DynamoDB's answer.
        time.sleep(0.01)
        with lock:
            in_flight[0] -= 1

    intercept(aws.bulk_dynamodb(), "BatchWriteItem", counted)
    job_id = uuid4()
    entries = _ids(1_000)

    items.write_job_items(job_id, uuid4(), datetime.now(UTC), entries)

    assert len(_stored_items(job_id)) == 1_000
    assert 1 < most[0] <= fanout.MAX_WORKERS
    assert len(threads) <= fanout.MAX_WORKERS


def test_each_call_of_a_fan_out_runs_in_the_callers_context() -> None:
    marker: ContextVar[str] = ContextVar("marker", default="unset")
    marker.set("the request's")

    seen = fanout.fan_out(lambda part: (part, marker.get(), threading.current_thread().name), list(range(40)), 4)

    assert [part for part, _, _ in seen] == list(range(40))
    assert {value for _, value, _ in seen} == {"the request's"}
    assert len({thread for _, _, thread in seen}) <= 4


def test_a_job_of_many_entries_is_created_with_every_item(api: ApiClient) -> None:
    company = Company.create(api, entries=260)

    job = company.create_job(company.entry_ids)

    assert set(_stored_items(UUID(job["id"]))) == set(company.entry_ids)
    assert job["numberOfItems"] == 260
