"""Concurrent requests on one job, from real threads through the handlers: every state change is a
conditional write whose condition is the rule, so racing requests cannot both win, and nothing is lost.

moto's DynamoDB is made atomic per request by the test harness (export_api_local/moto_lock.py), as
DynamoDB is; the service's own code holds no lock.
"""

import copy
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from export_api.repositories import aws
from export_api.repositories.items import BY_JOB_STATUS_INDEX

from export_api_local import moto_dynamodb
from tests.support.api import ApiClient, Response
from tests.support.checks import assert_counters_match_a_recount, assert_error
from tests.support.concurrency import run_concurrently
from tests.support.data import Company, failed, item_update, successful
from tests.support.workflow import wait_until_ended

CLOSING_EVENTS = ("completed", "completed_with_errors", "failed")
ITEMS_TABLE = "test-items"
# Powertools warns when an invocation published no metric; its filter is not thread-safe.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


@pytest.fixture(autouse=True)
def cheap_transactions() -> Iterator[None]:
    """moto copies every table a transaction touches, to roll it back: with 10 threads of 100-item
    transactions that is most of the test's time. The local server's cheaper backup keeps moto's
    all-or-nothing semantics (tests/local/test_moto_dynamodb.py)."""
    moto_dynamodb.install()
    yield
    moto_dynamodb.uninstall()


def _event(company: Company, job_id: str, event: str, version: str = "v3") -> Response:
    return company.api.post(f"/{version}/export-job-events", company.identity, {"jobId": job_id, "event": event})


@pytest.mark.parametrize(
    ("from_status", "events"),
    # From pending, `started` then `failed` would both be valid in turn: the racing events are all `started`.
    [("pending", ("started",)), ("in_progress", CLOSING_EVENTS)],
)
def test_50_concurrent_conflicting_events_one_wins(company: Company, from_status: str, events: tuple[str, ...]) -> None:
    job_id = company.create_job(company.entry_ids[:5])["id"]
    if from_status == "in_progress":
        assert company.event(job_id, "started") == 202
    sent = [events[i % len(events)] for i in range(50)]
    versions = ("v2", "v3")
    responses = run_concurrently(
        list(enumerate(sent)), lambda pair: _event(company, job_id, pair[1], versions[pair[0] % 2])
    )

    statuses = Counter(r.status for r in responses)
    assert statuses == {202: 1, 422: 49}, statuses
    for response in responses:
        if response.status == 422:
            assert_error(response, 422, "INVALID_EXPORT_JOB_STATUS_CHANGE")
    winner = sent[next(i for i, r in enumerate(responses) if r.status == 202)]
    expected = {"started": "in_progress"}.get(winner, winner)
    job = company.job(job_id)
    assert job["status"] == expected
    if expected == "failed":
        # The job's execution finalized the failed job once: every unfinished item abandoned, counters right.
        wait_until_ended(job_id)
        assert {i["status"] for i in company.items(job_id)} == {"abandoned"}
    assert_counters_match_a_recount(company, job_id)


def _batch(entry_ids: list[str], seed: int) -> list[dict[str, Any]]:
    """A 100-item PUT body over these entries, each item set to a state only this request sends."""
    chooser = random.Random(seed)
    batch = []
    for entry in entry_ids:
        kind = chooser.choice(("successful", "failed", "in_progress"))
        if kind == "successful":
            batch.append(successful(entry, external_id=f"ERP-{seed}-{entry[:8]}"))
        elif kind == "failed":
            batch.append({**failed(entry), "failureReason": f"request {seed} failed it"})
        else:
            batch.append(item_update(entry, "in_progress", externalId=f"WIP-{seed}"))
    chooser.shuffle(batch)
    return batch


@pytest.mark.slow
def test_10_concurrent_100_item_puts_lose_nothing(api: ApiClient) -> None:
    company = Company.create(api, entries=150)
    job_id = company.create_job()["id"]
    assert company.event(job_id, "started") == 202
    # Overlapping windows of 100 entries out of 150: every entry is in several requests.
    bodies = [_batch(company.entry_ids[(i * 5) : (i * 5) + 100], seed=i) for i in range(10)]
    responses = run_concurrently(
        bodies, lambda body: api.put(f"/v3/export-jobs/{job_id}/items", company.identity, body)
    )

    for response in responses:
        assert response.status == 200, response.body
        assert response.body["errors"] == []
        assert len(response.body["data"]) == 100
    # Every item ends in exactly the state one of the requests that named it set (its whole state: a
    # mix of two requests' fields would be a torn write), and items no request named are untouched.
    sent: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        for update in body:
            sent.setdefault(update["accountingEntryId"], []).append(update)
    items = {i["accountingEntryId"]: i for i in company.items(job_id)}
    assert len(items) == 150
    for entry, item in items.items():
        if entry not in sent:
            assert item["status"] == "pending"
            continue
        state = {k: v for k, v in item.items() if k not in ("exportJobId",)}
        assert state in sent[entry], (entry, item)
    assert_counters_match_a_recount(company, job_id)


def test_concurrent_puts_and_a_closing_event_leave_no_update_after_close(api: ApiClient) -> None:
    """Items PUT while the job closes: each PUT either lands before the close (200) or is refused (422)."""
    company = Company.create(api, entries=100)
    job_id = company.create_job()["id"]
    assert company.event(job_id, "started") == 202
    work: list[Any] = [_batch(company.entry_ids, seed=i) for i in range(6)] + ["failed"]

    def send(what: Any) -> Response:
        if isinstance(what, str):
            return _event(company, job_id, what)
        return api.put(f"/v3/export-jobs/{job_id}/items", company.identity, what)

    responses = run_concurrently(work, send)
    assert responses[-1].status == 202
    for response in responses[:-1]:
        assert response.status in (200, 422), response.body
        if response.status == 422:
            assert_error(response, 422, "EXPORT_JOB_STATUS_UNPROCESSABLE")
    # The failed job is finalized after every accepted PUT: nothing is left pending or in progress.
    wait_until_ended(job_id)
    items = company.items(job_id)
    assert not [i for i in items if i["status"] in ("pending", "in_progress")]
    assert_counters_match_a_recount(company, job_id)


IndexRewrite = Callable[[str, dict[str, Any]], None]


@contextmanager
def status_index_reads(rewrite: IndexRewrite, *, within_limit: bool = False) -> Iterator[None]:
    """Let `rewrite(partition, answer)` change what the `byJobStatus` index answers (`partition`: the
    status read), as an eventually consistent index may: the answer is in DynamoDB's wire form (the
    repository decodes it afterwards), so what is added must be too. `within_limit`: the answer is then
    cut to the query's `Limit`, as DynamoDB's would be."""
    events = aws.dynamodb().meta.events

    def note_partition(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if params.get("IndexName") == BY_JOB_STATUS_INDEX:
            context["partition"] = str(params["ExpressionAttributeValues"][":js"]["S"]).rsplit("#", 1)[-1]
            context["limit"] = params.get("Limit")

    def answer(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if "partition" in context and "Items" in parsed:
            rewrite(context["partition"], parsed)
            if within_limit and context["limit"] is not None:
                parsed["Items"] = parsed["Items"][: context["limit"]]

    events.register("before-parameter-build.dynamodb.Query", note_partition)
    events.register("after-call.dynamodb.Query", answer)
    try:
        yield
    finally:
        events.unregister("before-parameter-build.dynamodb.Query", note_partition)
        events.unregister("after-call.dynamodb.Query", answer)


def test_an_item_seen_in_both_unfinished_partitions_of_the_index_is_abandoned_once(company: Company) -> None:
    """The status index is eventually consistent and its two unfinished partitions are read one after
    the other, so an item that moved from pending to in_progress in between is seen in both. The
    `failed` event still abandons every item, once (DynamoDB's BatchGetItem refuses a key named twice)."""
    job_id = company.create_job(company.entry_ids[:5])["id"]
    assert company.event(job_id, "started") == 202
    company.update_items(job_id, [item_update(company.entry_ids[0], "in_progress")])
    last_pending: list[Any] = []

    def seen_twice(partition: str, parsed: dict[str, Any]) -> None:
        if partition == "pending" and parsed["Items"]:
            last_pending[:] = copy.deepcopy(parsed["Items"][:1])
        if partition == "in_progress" and last_pending:
            parsed["Items"] = [*parsed["Items"], *copy.deepcopy(last_pending)]

    with status_index_reads(seen_twice):
        assert company.event(job_id, "failed") == 202
        wait_until_ended(job_id)

    assert last_pending, "the index read was not made stale: the test did not exercise the race"
    assert Counter(i["status"] for i in company.items(job_id)) == {"abandoned": 5}
    assert_counters_match_a_recount(company, job_id)


@pytest.mark.parametrize(
    ("items", "within_limit"),
    [(5, False), (2, True)],
    ids=["stale-copy-cancels-the-write", "stale-copy-takes-a-place-within-the-limit"],
)
def test_an_item_the_index_still_shows_unfinished_keeps_its_result(
    company: Company, items: int, within_limit: bool
) -> None:
    """Abandoning writes the status alone, conditioned on the status the index showed. An index copy
    that is behind (an item reported `successful` still listed first as pending) cancels that write: a
    consistent read then abandons only what is really unfinished, and the reported item keeps its
    status, `externalId` and place in the counters. A batch asks the index for no more items than the
    job's counters say are left, so the stale copy takes one of those places (`within_limit`): the next
    batch asks for as many more as it met stale copies, and the item behind it is abandoned too."""
    job_id = company.create_job(company.entry_ids[:items])["id"]
    assert company.event(job_id, "started") == 202
    done = company.entry_ids[0]
    company.update_items(job_id, [successful(done, external_id="ERP-KEPT")])
    stale_copies: list[int] = []

    def behind(partition: str, parsed: dict[str, Any]) -> None:
        if partition != "pending" or not parsed["Items"]:
            return
        # The reported item as the index showed it before the update: pending.
        copy_of_done = copy.deepcopy(parsed["Items"][0])
        copy_of_done["sk"] = copy_of_done["accountingEntryId"] = {"S": done}
        parsed["Items"] = [copy_of_done, *parsed["Items"]]
        stale_copies.append(1)

    with status_index_reads(behind, within_limit=within_limit):
        assert company.event(job_id, "failed") == 202
        wait_until_ended(job_id)

    assert stale_copies, "the index read was not made stale: the test did not exercise it"
    listed = {i["accountingEntryId"]: i for i in company.items(job_id)}
    assert listed[done]["status"] == "successful"
    assert listed[done]["externalId"] == "ERP-KEPT"
    assert Counter(i["status"] for i in listed.values()) == {"abandoned": items - 1, "successful": 1}
    assert_counters_match_a_recount(company, job_id)


@pytest.mark.parametrize("version", ["v0", "v1"])
def test_concurrent_creates_for_one_company_make_one_job(company: Company, version: str) -> None:
    """N creates at once for one company: exactly one job (the company's one unfinished export), the
    rest 409, and nothing of the refused ones written (their items were removed)."""
    responses = run_concurrently(
        list(range(10)),
        lambda i: company.api.post(
            f"/{version}/export-jobs",
            company.identity,
            # Overlapping entries: each create writes its items before the transaction that decides.
            {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[i : i + 10]},
        ),
    )
    statuses = Counter(r.status for r in responses)
    assert statuses == {200: 1, 409: 9}, statuses
    for response in responses:
        if response.status == 409:
            assert_error(response, 409, "EXPORT_ALREADY_IN_PROGRESS")
    (winner,) = [r.data for r in responses if r.status == 200]
    listed = company.api.get("/v3/export-jobs", company.identity, {"limit": "10"})
    assert [j["id"] for j in listed.data] == [winner["id"]]
    assert listed.body["pagination"]["total"] == 1
    records = boto3.resource("dynamodb").Table("test-items").scan()["Items"]
    assert {r["pk"] for r in records if str(r["pk"]).startswith("ITEMS#")} == {f"ITEMS#{winner['id']}"}
    assert len(company.items(winner["id"])) == 10
    assert uuid.UUID(winner["id"])
