"""`Idempotency-Key` on every POST and PUT, with Stripe's semantics (services/idempotency.py)."""

import json
import time
import uuid
from collections import Counter
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.exceptions import ReadTimeoutError
from export_api.services.job_items import JobItemsService
from moto.dynamodb.responses import DynamoHandler

from export_api_local import apigw
from tests.support.api import ADMIN, ApiClient, Identity, Response
from tests.support.checks import assert_counters_match_a_recount, assert_error
from tests.support.concurrency import run_concurrently
from tests.support.data import Company, accounting_entry, failed, successful

IDEMPOTENCY_TABLE = "test-idempotency"
DAY = 86_400


def key() -> str:
    return str(uuid.uuid4())


def send(
    api: ApiClient, method: str, path: str, identity: Identity, body: Any, idempotency_key: str | None
) -> Response:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}
    return api.request(method, path, identity=identity, json_body=body, headers=headers)


def replayed(response: Response) -> bool:
    return response.headers.get("idempotent-replayed") == "true"


def records() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.resource("dynamodb").Table(IDEMPOTENCY_TABLE).scan()["Items"]
    return items


@pytest.mark.parametrize("version", ["v0", "v1"])
def test_a_retried_job_creation_makes_one_job(company: Company, version: str) -> None:
    body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:3]}
    k = key()
    first = send(company.api, "POST", f"/{version}/export-jobs", company.identity, body, k)
    again = send(company.api, "POST", f"/{version}/export-jobs", company.identity, body, k)
    assert first.status == again.status == 200
    assert again.body == first.body
    assert not replayed(first)
    assert replayed(again)
    listed = company.api.get("/v3/export-jobs", company.identity, {"limit": "0"})
    assert listed.body["pagination"]["total"] == 1
    # The same key from another version of the operation is the same operation: replayed.
    other = "v1" if version == "v0" else "v0"
    assert send(company.api, "POST", f"/{other}/export-jobs", company.identity, body, k).body == first.body


@pytest.mark.parametrize("version", ["v0", "v1", "v2", "v3"])
def test_a_retried_event_is_answered_as_the_first_time(company: Company, version: str) -> None:
    job_id = company.create_job(company.entry_ids[:2])["id"]
    k = key()
    path = f"/{version}/export-job-events"
    first = send(company.api, "POST", path, company.identity, {"jobId": job_id, "event": "started"}, k)
    again = send(company.api, "POST", path, company.identity, {"jobId": job_id, "event": "started"}, k)
    assert first.status == again.status == (202 if version in ("v2", "v3") else 200)
    assert replayed(again)
    # Without the key, the repeated event is what it is: a second `started`, refused.
    assert company.event(job_id, "started", version) == 422
    assert company.job(job_id)["status"] == "in_progress"


@pytest.mark.parametrize("version", ["v0", "v1", "v2", "v3"])
def test_a_retried_put_is_not_applied_twice(company: Company, version: str) -> None:
    job_id = company.create_job(company.entry_ids[:3])["id"]
    entry = company.entry_ids[0]
    k = key()
    path = f"/{version}/export-jobs/{job_id}/items"
    first = send(company.api, "PUT", path, company.identity, [successful(entry, "ERP-1")], k)
    assert first.status == 200
    # Another request changes the item; the retried first one must not undo it.
    company.update_items(job_id, [failed(entry)])
    again = send(company.api, "PUT", path, company.identity, [successful(entry, "ERP-1")], k)
    assert again.status == 200
    assert again.body == first.body
    assert replayed(again)
    assert {i["accountingEntryId"]: i["status"] for i in company.items(job_id)}[entry] == "failed"
    assert_counters_match_a_recount(company, job_id)


def test_admin_posts_take_a_key(api: ApiClient, company: Company) -> None:
    entries = [accounting_entry(str(uuid.uuid4()))]
    path = f"/admin/companies/{company.company_id}/accounting-entries"
    k = key()
    first = send(api, "POST", path, ADMIN, entries, k)
    again = send(api, "POST", path, ADMIN, entries, k)
    assert first.status == again.status == 201
    assert again.body == first.body
    assert replayed(again)


def test_the_same_key_with_another_request_is_refused(company: Company) -> None:
    # Another job of the company (closed: one unfinished export at a time); the key is refused before it is read.
    other_job = company.create_closed_job(company.entry_ids[3:5])
    job_id = company.create_job(company.entry_ids[:3])["id"]
    entry = company.entry_ids[0]
    k = key()
    path = f"/v3/export-jobs/{job_id}/items"
    assert send(company.api, "PUT", path, company.identity, [successful(entry)], k).status == 200
    before = company.state(job_id)
    for method, target, body in (
        ("PUT", path, [failed(entry)]),
        ("PUT", path, [successful(entry, "ERP-2")]),
        # The same body for another job: the path is part of the request.
        ("PUT", f"/v3/export-jobs/{other_job}/items", [successful(entry)]),
    ):
        response = send(company.api, method, target, company.identity, body, k)
        error = assert_error(response, 422, "IDEMPOTENCY_KEY_REUSED")
        assert k in error["message"]
        assert "different request" in error["message"]
    assert company.state(job_id) == before
    # Another operation, or another caller, has keys of its own.
    event = send(
        company.api, "POST", "/v3/export-job-events", company.identity, {"jobId": job_id, "event": "started"}, k
    )
    assert event.status == 202
    assert not replayed(event)


def test_keys_belong_to_their_caller(api: ApiClient, company: Company, other_company: Company) -> None:
    k = key()
    mine = send(
        api,
        "POST",
        "/v1/export-jobs",
        company.identity,
        {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:1]},
        k,
    )
    theirs = send(
        api,
        "POST",
        "/v1/export-jobs",
        Identity(company_ids=(other_company.company_id,), principal_id="another-integration"),
        {"companyId": other_company.company_id, "accountingEntryIds": other_company.entry_ids[:1]},
        k,
    )
    assert mine.status == theirs.status == 200
    assert not replayed(theirs)
    assert mine.data["id"] != theirs.data["id"]


def test_nothing_is_stored_when_validation_fails(company: Company) -> None:
    job_id = company.create_job(company.entry_ids[:2])["id"]
    k = key()
    path = f"/v3/export-jobs/{job_id}/items"
    for bad in ([{"accountingEntryId": company.entry_ids[0], "status": "done"}], {"not": "an array"}):
        assert_error(send(company.api, "PUT", path, company.identity, bad, k), 400, "BAD_REQUEST")
    assert records() == []
    # The key is still unused: a valid request with it runs.
    response = send(company.api, "PUT", path, company.identity, [successful(company.entry_ids[0])], k)
    assert response.status == 200
    assert not replayed(response)
    assert len(records()) == 1


def test_an_invalid_key_is_a_400(company: Company) -> None:
    job_id = company.create_job(company.entry_ids[:1])["id"]
    for bad in ("", " leading", "trailing ", "x" * 256, "tab\there", "é"):
        response = send(
            company.api, "POST", "/v3/export-job-events", company.identity, {"jobId": job_id, "event": "started"}, bad
        )
        assert_error(response, 400, "BAD_REQUEST")
    assert company.job(job_id)["status"] == "pending"
    assert records() == []
    ok = send(
        company.api, "POST", "/v3/export-job-events", company.identity, {"jobId": job_id, "event": "started"}, "x" * 255
    )
    assert ok.status == 202


def test_a_rule_refusal_is_stored_and_replayed(company: Company) -> None:
    """Like Stripe: once the operation ran, its answer is the key's, a 422 as much as a 202."""
    job_id = company.create_job(company.entry_ids[:1])["id"]
    k = key()
    body = {"jobId": job_id, "event": "completed"}
    first = send(company.api, "POST", "/v3/export-job-events", company.identity, body, k)
    assert_error(first, 422, "INVALID_EXPORT_JOB_STATUS_CHANGE")
    assert company.event(job_id, "started") == 202
    again = send(company.api, "POST", "/v3/export-job-events", company.identity, body, k)
    assert again.status == 422
    assert again.body == first.body
    assert replayed(again)
    assert company.job(job_id)["status"] == "in_progress"
    # A new key runs the request again.
    assert send(company.api, "POST", "/v3/export-job-events", company.identity, body, key()).status == 202


def test_an_unexpected_failure_stores_nothing(company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = company.create_job(company.entry_ids[:1])["id"]
    k = key()
    path = f"/v1/export-jobs/{job_id}/items"
    original = JobItemsService.update
    with monkeypatch.context() as patched:

        def broken(*_: Any, **__: Any) -> Any:
            raise RuntimeError("DynamoDB is having a bad day")

        patched.setattr(JobItemsService, "update", broken)
        assert_error(send(company.api, "PUT", path, company.identity, [successful(company.entry_ids[0])], k), 500)
    assert JobItemsService.update is original
    assert records() == []
    response = send(company.api, "PUT", path, company.identity, [successful(company.entry_ids[0])], k)
    assert response.status == 200
    assert not replayed(response)


def test_keys_expire_after_24_hours(company: Company) -> None:
    job_id = company.create_job(company.entry_ids[:2])["id"]
    k = key()
    path = f"/v3/export-jobs/{job_id}/items"
    now = time.time()
    assert send(company.api, "PUT", path, company.identity, [successful(company.entry_ids[0])], k).status == 200
    (record,) = records()
    # The table's TTL attribute: DynamoDB deletes the record once it is past.
    assert now + DAY - 5 <= int(record["expiration"]) <= time.time() + DAY + 5
    assert record["status"] == "COMPLETED"
    # 24 hours later (DynamoDB's TTL deletion may lag; an expired record counts as gone anyway).
    boto3.resource("dynamodb").Table(IDEMPOTENCY_TABLE).update_item(
        Key={"id": record["id"]},
        UpdateExpression="SET expiration = :past",
        ExpressionAttributeValues={":past": int(now) - 1},
    )
    response = send(company.api, "PUT", path, company.identity, [failed(company.entry_ids[1])], k)
    assert response.status == 200
    assert not replayed(response)


class Killed(BaseException):
    """The Lambda was stopped here (its timeout): no handler, no cleanup ran."""


def test_a_timed_out_call_leaves_no_stuck_key(company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = company.create_job(company.entry_ids[:2])["id"]
    k = key()
    path = f"/v3/export-jobs/{job_id}/items"
    body = [successful(company.entry_ids[0])]
    # The invocation has a second left when the request starts, and is killed during it.
    monkeypatch.setattr(apigw.LambdaContext, "get_remaining_time_in_millis", lambda _: 1000)
    original = JobItemsService.update
    with monkeypatch.context() as patched:

        def killed(*_: Any, **__: Any) -> Any:
            raise Killed()

        patched.setattr(JobItemsService, "update", killed)
        # Only Mangum's last-resort handler answers (a plain-text 500): as after a kill, nothing of the
        # application's ran after the point of death, Powertools' cleanup included.
        found = apigw.find_route("PUT", path)
        assert found is not None
        event = apigw.rest_event(
            found[0],
            path,
            found[1],
            headers={"Content-Type": "application/json", "Idempotency-Key": k},
            body=json.dumps(body),
            authorizer=company.identity.context(),
        )
        assert apigw.invoke(found[0], event)["statusCode"] == 500
    assert JobItemsService.update is original
    (record,) = records()
    assert record["status"] == "INPROGRESS"
    expiration = int(record["in_progress_expiration"]) / 1000
    assert expiration <= time.time() + 1
    # While the dead invocation could still be running, the key is taken...
    assert_error(send(company.api, "PUT", path, company.identity, body, k), 422, "IDEMPOTENCY_KEY_IN_USE")
    # ...and once its time is up, the retry runs.
    time.sleep(max(0.0, expiration - time.time()) + 0.05)
    response = send(company.api, "PUT", path, company.identity, body, k)
    assert response.status == 200
    assert not replayed(response)
    assert records()[0]["status"] == "COMPLETED"


def test_concurrent_requests_with_one_key_run_once(company: Company) -> None:
    k = key()
    body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:2]}
    responses = run_concurrently(
        list(range(10)), lambda _: send(company.api, "POST", "/v1/export-jobs", company.identity, body, k)
    )
    outcomes = Counter(
        "ran" if r.status == 200 and not replayed(r) else "replayed" if r.status == 200 else r.body["type"]
        for r in responses
    )
    assert outcomes["ran"] == 1
    assert set(outcomes) <= {"ran", "replayed", "IDEMPOTENCY_KEY_IN_USE"}
    assert len({r.data["id"] for r in responses if r.status == 200}) == 1
    listed = company.api.get("/v3/export-jobs", company.identity, {"limit": "0"})
    assert listed.body["pagination"]["total"] == 1


@pytest.mark.parametrize("operation", ["job creation", "item PUT", "event"])
def test_a_lost_answer_to_the_keys_own_record_leaves_the_key_to_its_request(
    company: Company, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    """The key's in-progress record is written, its answer lost (a read timeout); botocore sends the
    write again, whose condition fails on the record the first attempt wrote. The request is still the
    key's: it runs once and answers, and a retry with the key replays that answer."""
    job_id = company.create_job(company.entry_ids[:2])["id"]
    if operation == "job creation":
        company.close(job_id)  # one unfinished export at a time
        method, path = "POST", "/v1/export-jobs"
        body: Any = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[2:4]}
    elif operation == "item PUT":
        method, path, body = "PUT", f"/v3/export-jobs/{job_id}/items", [successful(company.entry_ids[0])]
    else:
        method, path, body = "POST", "/v3/export-job-events", {"jobId": job_id, "event": "started"}
    writes: list[str] = []
    processed = DynamoHandler.call_action

    def call_action(handler: DynamoHandler) -> Any:
        request = json.loads(handler.body or "{}")
        if request.get("TableName") != IDEMPOTENCY_TABLE or "ConditionExpression" not in request:
            return processed(handler)
        writes.append(request["Item"]["status"]["S"])
        answer = processed(handler)
        if len(writes) > 1:
            return answer
        raise ReadTimeoutError(endpoint_url="applied, answer lost")

    class NoSleep:
        @staticmethod
        def sleep(_seconds: float) -> None:
            return None

    monkeypatch.setattr(botocore.endpoint, "time", NoSleep)
    k = key()
    with monkeypatch.context() as patched:
        patched.setattr(DynamoHandler, "call_action", call_action)
        first = send(company.api, method, path, company.identity, body, k)
    # The in-progress write, sent twice (botocore's retry after the timeout).
    assert writes == ["INPROGRESS", "INPROGRESS"]
    assert first.status in (200, 202), first.body
    assert not replayed(first)
    (record,) = records()
    assert record["status"] == "COMPLETED"
    again = send(company.api, method, path, company.identity, body, k)
    assert (again.status, again.body) == (first.status, first.body)
    assert replayed(again)
    # Applied once.
    if operation == "job creation":
        listed = company.api.get("/v3/export-jobs", company.identity, {"limit": "0"})
        assert listed.body["pagination"]["total"] == 2
        assert_counters_match_a_recount(company, first.data["id"])
    elif operation == "item PUT":
        assert [i["status"] for i in company.items(job_id, "successful")] == ["successful"]
        assert_counters_match_a_recount(company, job_id)
    else:
        assert company.job(job_id)["status"] == "in_progress"
