"""The cold start section's job events (benchmarks/coldstart.py): each process finds its job as it needs it,
and the emulator answers a retried transaction as DynamoDB does (benchmarks/emulator.py).

A process of ExportJobEventsFunction sends `started` then `completed` to a pending job. Its job is made as
the process is about to start, so the same sample runs again, later than a job's expiry, and passes.
"""

import json
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import boto3
import pytest
from botocore.exceptions import ClientError
from export_api.models.enums import ExportJobStatus
from export_api.repositories.jobs import JobsRepository
from export_api.services.container import get_services
from export_api.settings import get_settings
from moto.server import ThreadedMotoServer

from benchmarks import coldstart
from benchmarks.emulator import idempotent_transactions
from tests.support.workflow import end_running_executions

EXPIRES_IN_SECONDS = 1


@pytest.fixture
def endpoint(tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server on the test session's backend, and jobs that expire after a second."""
    monkeypatch.setenv("JOB_EXPIRES_IN_SECONDS", str(EXPIRES_IN_SECONDS))
    get_settings.cache_clear()
    get_services.cache_clear()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        monkeypatch.undo()
        get_settings.cache_clear()
        get_services.cache_clear()


@pytest.mark.slow
def test_the_job_events_sample_runs_twice_further_apart_than_a_jobs_expiry(endpoint: str) -> None:
    target = coldstart._targets(1)["ExportJobEventsFunction"]
    env = coldstart.child_environment(endpoint)
    jobs = JobsRepository(get_settings().required("jobs_table_name"))
    for attempt in range(2):
        if attempt:
            time.sleep(EXPIRES_IN_SECONDS * 1.5)
        events = target.events(0)
        job_id = UUID(json.loads(events[0]["body"])["jobId"])
        job = jobs.get(job_id)
        assert job is not None
        assert (job.status, job.expires_in) == (ExportJobStatus.PENDING, EXPIRES_IN_SECONDS)
        # What is measured is the bench's sample, not the lifecycle: the job's execution would expire the
        # job within the second the child takes to start.
        end_running_executions()

        # Raises unless the first request (`started`) answered 2xx.
        coldstart._child([target.code, coldstart.LAYER], "app", target.attribute, target.function, events, env)

        job = jobs.get(job_id)
        assert job is not None
        assert job.status is ExportJobStatus.COMPLETED


def _transaction(token: str) -> dict[str, Any]:
    """Counts to 1 at most: a second write's condition fails."""
    return {
        "TransactItems": [
            {
                "Update": {
                    "TableName": "test-jobs",
                    "Key": {"pk": {"S": "bench#token"}},
                    "UpdateExpression": "ADD #n :one",
                    "ConditionExpression": "attribute_not_exists(#n)",
                    "ExpressionAttributeNames": {"#n": "n"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
        "ClientRequestToken": token,
    }


def _count() -> str:
    item = boto3.client("dynamodb").get_item(TableName="test-jobs", Key={"pk": {"S": "bench#token"}})["Item"]
    return str(item["n"]["N"])


def test_a_transaction_sent_again_with_its_token_is_answered_as_first_and_not_applied_again(tables: None) -> None:
    client = boto3.client("dynamodb")
    with idempotent_transactions():
        client.transact_write_items(**_transaction("first"))
        # As botocore retries a call whose answer came after its read timeout: the same token.
        client.transact_write_items(**_transaction("first"))
        assert _count() == "1"
        # Another token is another transaction: its condition fails on what the first wrote.
        with pytest.raises(ClientError, match="TransactionCanceledException"):
            client.transact_write_items(**_transaction("second"))
    assert _count() == "1"
