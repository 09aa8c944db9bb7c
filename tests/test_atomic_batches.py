"""A PUT of items is never half-applied, even when its writer dies between two DynamoDB calls.

Up to 99 items take one transaction with the job's counters. A 100-item batch takes two: the first
applies 99 items and records the last on the job record (a redo journal), so the batch is committed by
it; the second applies the rest. A writer that dies in between (a Lambda timeout) leaves the journal,
and whoever touches the job next finishes the batch before acting (Transactions.write).
These tests kill the writer at each point and look at DynamoDB directly and through the API.
"""

from collections import Counter
from collections.abc import Callable
from typing import Any
from uuid import UUID

import boto3
import pytest
from export_api.models.caller import Caller
from export_api.models.jobs import CreateExportJobEvent, UpdateExportJobItem
from export_api.repositories.transactions import Transactions
from export_api.services.container import get_services
from pydantic import TypeAdapter

from tests.support.api import ApiClient
from tests.support.checks import assert_counters_match_a_recount, assert_error
from tests.support.data import Company, failed, successful
from tests.support.workflow import end_running_executions, wait_until_ended

_UPDATES = TypeAdapter(list[UpdateExportJobItem])
ITEM_STATUSES = ("pending", "in_progress", "failed", "successful", "abandoned")


class Crash(BaseException):
    """The Lambda died here (a timeout, out of memory): nothing after this line ran."""


@pytest.fixture
def crash_on_transaction(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], list[int]]:
    """`crash_on_transaction(n)`: the n-th TransactWriteItems from now (1-based) dies before it reaches
    DynamoDB. Returns the list of transactions attempted so far (their sizes)."""
    calls: list[int] = []
    real = Transactions.send

    def arm(n: int) -> list[int]:
        def send(self: Transactions, items: list[dict[str, Any]]) -> None:
            calls.append(len(items))
            if len(calls) == n:
                raise Crash()
            real(self, items)

        monkeypatch.setattr(Transactions, "send", send)
        return calls

    return arm


def _caller(company: Company) -> Caller:
    return Caller(
        principal_id="integration",
        company_ids=frozenset({UUID(company.company_id)}),
        scopes=frozenset(company.identity.scopes.split()),
    )


def _put(company: Company, job_id: str, body: list[dict[str, Any]]) -> None:
    get_services().jobs.update_items(_caller(company), UUID(job_id), _UPDATES.validate_python(body))


def _raw(job_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The job record and each item's status, read from DynamoDB without the service."""
    resource = boto3.resource("dynamodb")
    job = resource.Table("test-jobs").get_item(Key={"pk": f"JOB#{job_id}"}, ConsistentRead=True)["Item"]
    found: dict[str, str] = {}
    query: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": f"ITEMS#{job_id}"},
        "ConsistentRead": True,
    }
    while True:
        page = resource.Table("test-items").query(**query)
        found.update({str(i["sk"]): str(i["status"]) for i in page["Items"]})
        if "LastEvaluatedKey" not in page:
            return job, found
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _counters_match(job: dict[str, Any], statuses: dict[str, str]) -> None:
    recount = Counter(statuses.values())
    assert {s: int(job[f"itemCount_{s}"]) for s in ITEM_STATUSES} == {s: recount.get(s, 0) for s in ITEM_STATUSES}


@pytest.fixture
def job(api: ApiClient) -> tuple[Company, str]:
    company = Company.create(api, entries=100)
    job_id = company.create_job()["id"]
    assert company.event(job_id, "started") == 202
    return company, job_id


def test_a_batch_of_99_is_all_or_nothing(job: tuple[Company, str], crash_on_transaction: Any) -> None:
    company, job_id = job
    calls = crash_on_transaction(1)
    with pytest.raises(Crash):
        _put(company, job_id, [successful(e) for e in company.entry_ids[:99]])
    assert calls == [100]
    record, statuses = _raw(job_id)
    assert set(statuses.values()) == {"pending"}
    _counters_match(record, statuses)
    assert "pendingItemChanges" not in record


def test_a_batch_of_100_cut_between_its_transactions_is_finished_by_the_next_reader(
    job: tuple[Company, str], crash_on_transaction: Any
) -> None:
    company, job_id = job
    calls = crash_on_transaction(2)
    with pytest.raises(Crash):
        _put(company, job_id, [successful(e, f"ERP-{n}") for n, e in enumerate(company.entry_ids)])
    assert calls == [100, 2]
    # In DynamoDB: the first 99 items with their counters, and the 100th recorded on the job.
    record, statuses = _raw(job_id)
    assert Counter(statuses.values()) == {"successful": 99, "pending": 1}
    _counters_match(record, statuses)
    assert len(record["pendingItemChanges"]["writes"]) == 1
    # Through the API the batch is whole: the first read of the job finished it.
    items = company.items(job_id)
    assert {i["status"] for i in items} == {"successful"}
    assert {i["externalId"] for i in items} == {f"ERP-{n}" for n in range(100)}
    assert_counters_match_a_recount(company, job_id)
    record, statuses = _raw(job_id)
    assert "pendingItemChanges" not in record
    _counters_match(record, statuses)


def test_the_next_put_finishes_a_cut_batch_before_its_own(job: tuple[Company, str], crash_on_transaction: Any) -> None:
    company, job_id = job
    crash_on_transaction(2)
    with pytest.raises(Crash):
        _put(company, job_id, [successful(e, "FIRST") for e in company.entry_ids])
    crash_on_transaction(0)  # no more crashes
    # The cut batch's last item is among the next batch's: the next batch wins it (it came later).
    last = company.entry_ids[-1]
    later = [failed(e) for e in company.entry_ids[-10:]]
    body = company.update_items(job_id, later)
    assert len(body["data"]) == 10
    _, statuses = _raw(job_id)
    assert Counter(statuses.values()) == {"successful": 90, "failed": 10}
    assert statuses[last] == "failed"
    assert_counters_match_a_recount(company, job_id)


def test_a_failed_job_finishes_a_cut_batch_then_abandons_the_rest(
    job: tuple[Company, str], crash_on_transaction: Any
) -> None:
    company, job_id = job
    crash_on_transaction(2)
    with pytest.raises(Crash):
        _put(
            company,
            job_id,
            [
                *(successful(e) for e in company.entry_ids[:50]),
                *({"accountingEntryId": e, "status": "in_progress"} for e in company.entry_ids[50:]),
            ],
        )
    crash_on_transaction(0)
    assert company.event(job_id, "failed") == 202
    wait_until_ended(job_id)
    items = company.items(job_id)
    assert Counter(i["status"] for i in items) == {"successful": 50, "abandoned": 50}
    assert_counters_match_a_recount(company, job_id)
    record, _ = _raw(job_id)
    assert "pendingItemChanges" not in record


def test_finishing_a_batch_twice_applies_it_once(job: tuple[Company, str], crash_on_transaction: Any) -> None:
    """Two readers racing to finish the same cut batch: the journal's condition lets one apply it."""
    company, job_id = job
    crash_on_transaction(2)
    with pytest.raises(Crash):
        _put(company, job_id, [successful(e) for e in company.entry_ids])
    crash_on_transaction(0)
    services = get_services()
    cut = services.jobs.jobs.get(UUID(job_id))
    assert cut is not None
    assert cut.pending_item_changes is not None
    assert services.job_items.finish_pending(cut) is True
    # A second reader that read the same journal before the first applied it: nothing happens.
    assert services.job_items.finish_pending(cut) is True
    finished = services.jobs.jobs.get(UUID(job_id))
    assert finished is not None
    assert services.job_items.finish_pending(finished) is False
    record, statuses = _raw(job_id)
    assert set(statuses.values()) == {"successful"}
    _counters_match(record, statuses)


def test_export_items_of_a_job_with_a_cut_batch_are_served_without_finishing_it(
    job: tuple[Company, str], crash_on_transaction: Any
) -> None:
    """ExportItemsFunction may only read: the cut batch changes neither the job's status nor its entries, so
    export items are served as they are and the batch is left to the next reader that may write."""
    company, job_id = job
    crash_on_transaction(2)
    with pytest.raises(Crash):
        _put(company, job_id, [successful(e) for e in company.entry_ids])
    response = company.api.get("/v3/export-items", company.identity, {"job_id": job_id, "limit": "100"})
    assert response.status == 200, response.body
    assert sorted(i["accountingEntryId"] for i in response.data) == sorted(company.entry_ids)
    record, _ = _raw(job_id)
    assert len(record["pendingItemChanges"]["writes"]) == 1
    assert {i["status"] for i in company.items(job_id)} == {"successful"}
    assert "pendingItemChanges" not in _raw(job_id)[0]


def test_a_condition_that_fails_leaves_nothing_written(
    job: tuple[Company, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job completes between the PUT's read of its items and its first transaction: the job's
    condition refuses the whole 100-item batch, the PUT answers 422, and DynamoDB holds what it held
    once the job completed (no item, counter, journal or `lastUpdatedAt` of the PUT)."""
    company, job_id = job
    # What DynamoDB holds is compared with what it held once the job completed: the job's execution,
    # which would then finalize the job, is stopped first (tests/workflow/ covers finalizing).
    end_running_executions()
    sent: list[int] = []
    completed: list[tuple[dict[str, Any], dict[str, str]]] = []
    real = Transactions.send

    def send(self: Transactions, items: list[dict[str, Any]]) -> None:
        sent.append(len(items))
        if len(sent) == 1:
            # Another request's event, in this process: the handler is busy with the PUT.
            event = CreateExportJobEvent(job_id=UUID(job_id), event="completed")
            get_services().events.apply(_caller(company), event)
            completed.append(_raw(job_id))
        real(self, items)

    monkeypatch.setattr(Transactions, "send", send)
    body = [successful(e, f"ERP-{n}") for n, e in enumerate(company.entry_ids)]
    response = company.api.put(f"/v3/export-jobs/{job_id}/items", company.identity, body)
    assert_error(response, 422, "EXPORT_JOB_STATUS_UNPROCESSABLE")
    # The PUT's first transaction (99 items and the job), the event's in between, and nothing more.
    assert sent == [100, 2]
    record, statuses = _raw(job_id)
    assert (record, statuses) == completed[0]
    assert set(statuses.values()) == {"pending"}
    assert "pendingItemChanges" not in record
    _counters_match(record, statuses)
