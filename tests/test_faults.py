"""DynamoDB throttling and transient errors, injected in the emulator: the requests still succeed
(botocore's standard retry mode, with backoff, configured once in repositories/aws.py), and the state
is as if nothing happened. Past the retry budget the answer is a 503 that says to retry.

Faults are injected at moto's DynamoDB boundary: the first N requests of an operation get DynamoDB's
error answer instead of being processed, exactly as a throttled request. (A botocore `before-send`
hook cannot do it with moto: botocore calls every `before-send` handler and uses the first answer, so
moto's own handler still applies the request behind the injected error.)
"""

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.endpoint
import pytest
from moto.dynamodb.responses import DynamoHandler

from tests.support.api import Response
from tests.support.checks import assert_counters_match_a_recount, assert_error
from tests.support.data import Company, successful

# repositories/aws.py configures `max_attempts: 5`, which botocore reads as 5 retries: 6 attempts in all.
MAX_ATTEMPTS = 6


@dataclass
class Faults:
    """Fails the first `failures` requests of each named DynamoDB operation with `code`/`status`."""

    operations: tuple[str, ...]
    code: str
    status: int
    failures: int
    attempts: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    body: dict[str, Any] | None = None

    def answer(self, operation: str) -> tuple[int, dict[str, str], str] | None:
        if operation not in self.operations:
            return None
        self.attempts[operation] += 1
        if self.injected[operation] >= self.failures:
            return None
        self.injected[operation] += 1
        body = self.body or {"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}", "message": "injected fault"}
        return self.status, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's backoff delays between attempts, recorded instead of slept."""
    recorded: list[float] = []

    class _Time:
        @staticmethod
        def sleep(seconds: float) -> None:
            recorded.append(seconds)

    monkeypatch.setattr(botocore.endpoint, "time", _Time)
    return recorded


@pytest.fixture
def inject(company: Company, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`inject(Faults(...))`: from now on, moto answers the named operations' first requests with the fault."""
    installed: list[Faults] = []
    processed = DynamoHandler.call_action

    def call_action(handler: DynamoHandler) -> Any:
        for faults in installed:
            answer = faults.answer(handler._get_action())
            if answer is not None:
                return answer
        return processed(handler)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)

    def install(faults: Faults) -> Faults:
        installed.append(faults)
        return faults

    yield install
    installed.clear()


TRANSIENT = [
    ("ProvisionedThroughputExceededException", 400),
    ("ThrottlingException", 400),
    ("RequestLimitExceeded", 400),
    ("InternalServerError", 500),
    ("ServiceUnavailable", 503),
]


@pytest.mark.parametrize(("code", "status"), TRANSIENT, ids=[c for c, _ in TRANSIENT])
def test_a_put_survives_transient_errors(
    company: Company, inject: Any, sleeps: list[float], code: str, status: int
) -> None:
    job_id = company.create_job(company.entry_ids[:5])["id"]
    failures = MAX_ATTEMPTS - 1
    faults = inject(Faults(("TransactWriteItems", "BatchGetItem"), code, status, failures=failures))
    body = company.update_items(job_id, [successful(e) for e in company.entry_ids[:5]])
    assert len(body["data"]) == 5
    assert faults.injected == {"TransactWriteItems": failures, "BatchGetItem": failures}
    assert faults.attempts == {"TransactWriteItems": MAX_ATTEMPTS, "BatchGetItem": MAX_ATTEMPTS}
    # Backed off between attempts: a jittered exponential delay before each retry.
    assert len(sleeps) == 2 * failures
    assert all(0 <= s <= 20 for s in sleeps)
    assert_counters_match_a_recount(company, job_id)
    assert {i["status"] for i in company.items(job_id)} == {"successful"}


@pytest.mark.parametrize(("code", "status"), TRANSIENT[:2], ids=[c for c, _ in TRANSIENT[:2]])
def test_events_and_job_creation_survive_throttling(
    company: Company, inject: Any, sleeps: list[float], code: str, status: int
) -> None:
    faults = inject(Faults(("TransactWriteItems", "GetItem", "BatchGetItem"), code, status, failures=2))
    job_id = company.create_job(company.entry_ids[:3])["id"]
    assert company.event(job_id, "started") == 202
    assert company.job(job_id)["status"] == "in_progress"
    assert set(faults.injected.values()) == {2}
    assert len(sleeps) == 2 * len(faults.injected)
    listed = company.api.get("/v3/export-jobs", company.identity, {"limit": "0"})
    assert listed.body["pagination"]["total"] == 1


def test_throttled_delays_grow(company: Company, inject: Any, sleeps: list[float]) -> None:
    inject(Faults(("GetItem",), "ThrottlingException", 400, failures=MAX_ATTEMPTS - 1))
    job_id = company.create_job(company.entry_ids[:1])["id"]
    assert company.job(job_id)["status"] == "pending"
    # botocore's "full jitter" for throttling: retry n waits random() x 2^(n-1) seconds (base 1 s).
    assert len(sleeps) == MAX_ATTEMPTS - 1
    assert all(0 <= delay <= 2**n for n, delay in enumerate(sleeps))
    assert sum(sleeps) > 0


def test_a_cancelled_transaction_is_retried(company: Company, inject: Any, sleeps: list[float]) -> None:
    """TransactWriteItems cancelled for throttling (or a concurrent transaction) is not retried by botocore:
    the service re-reads and retries it with its own backoff."""
    job_id = company.create_job(company.entry_ids[:3])["id"]
    faults = Faults(("TransactWriteItems",), "TransactionCanceledException", 400, failures=2)
    faults.body = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "message": "Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError]",
        "CancellationReasons": [{"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity"}] * 4,
    }
    inject(faults)
    body = company.update_items(job_id, [successful(e) for e in company.entry_ids[:3]])
    assert len(body["data"]) == 3
    assert faults.attempts["TransactWriteItems"] == 3
    assert_counters_match_a_recount(company, job_id)


@pytest.mark.parametrize("version", ["v1", "v3"])
def test_throttled_past_the_retries_is_a_503(company: Company, inject: Any, sleeps: list[float], version: str) -> None:
    job_id = company.create_job(company.entry_ids[:2])["id"]
    before = company.state(job_id)
    faults = inject(Faults(("GetItem",), "ProvisionedThroughputExceededException", 400, failures=1000))
    response: Response = company.api.request(
        "GET", f"/{version}/export-jobs/{job_id}", identity=company.identity, check_contract=False
    )
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response.headers["retry-after"] == "1"
    assert faults.attempts["GetItem"] == MAX_ATTEMPTS
    faults.failures = 0
    assert company.state(job_id) == before
