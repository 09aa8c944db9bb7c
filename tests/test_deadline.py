"""The deadline check a timed-out wait runs (JobLifecycleService.check_deadline, the CheckDeadline state),
staged through the service against DynamoDB: its expiry is conditioned on the job being as it read it."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import boto3
import pytest
from export_api.models.enums import ExportJobStatus
from export_api.models.jobs import ExportJob
from export_api.repositories.jobs import JobsRepository, timestamp_text
from export_api.services.container import get_services

from tests.support.data import Company, successful


def _age(job_id: str, seconds: int, field: str = "lastUpdatedAt") -> None:
    """Move a job's time back, as if that long had passed (test-only write)."""
    table = boto3.resource("dynamodb").Table("test-jobs")
    record = table.get_item(Key={"pk": f"JOB#{job_id}"})["Item"]
    then = datetime.fromisoformat(str(record[field])) - timedelta(seconds=seconds)
    table.update_item(
        Key={"pk": f"JOB#{job_id}"},
        UpdateExpression="SET #f = :t",
        ExpressionAttributeNames={"#f": field},
        ExpressionAttributeValues={":t": timestamp_text(then)},
    )


def test_a_job_left_alone_expires_and_frees_its_company(company: Company) -> None:
    job = company.create_job()
    _age(job["id"], job["expiresIn"] + 1)
    outcome = get_services().lifecycle.check_deadline(UUID(job["id"]), 86_400)
    assert (outcome.status, outcome.seconds_left) == (ExportJobStatus.FAILED, 0)
    expired = company.job(job["id"])
    assert expired["failureReasonType"] == "job_expired"
    assert expired["expiredAt"] == expired["lastUpdatedAt"]
    assert company.create_job(company.entry_ids[:1])["status"] == "pending"


def test_an_action_racing_the_expiry_wins(company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check read the job before an item update landed: its conditional write fails, it reads again,
    finds the job touched, and the execution waits again for what is left of expiresIn."""
    job = company.create_job()
    _age(job["id"], job["expiresIn"] + 1)
    original = JobsRepository.get
    reads: list[int] = []

    def read_then_act(repository: JobsRepository, job_id: UUID) -> ExportJob | None:
        found = original(repository, job_id)
        reads.append(1)
        if len(reads) == 1:
            # Between the check's read and its write: the client updates an item.
            company.update_items(job["id"], [successful(company.entry_ids[0])])
        return found

    monkeypatch.setattr(JobsRepository, "get", read_then_act)
    outcome = get_services().lifecycle.check_deadline(UUID(job["id"]), 86_400)
    assert outcome.status is ExportJobStatus.PENDING
    assert job["expiresIn"] - 5 <= outcome.seconds_left <= job["expiresIn"]
    assert len(reads) >= 2
    kept: dict[str, Any] = company.job(job["id"])
    assert kept["status"] == "pending"
    assert "expiredAt" not in kept


def test_a_started_job_past_the_stuck_limit_times_out(company: Company) -> None:
    job = company.create_job()
    assert company.event(job["id"], "started") == 202
    _age(job["id"], 120, field="startedAt")
    lifecycle = get_services().lifecycle
    # Acted on just now, but started two minutes ago: a one-minute stuck limit has passed.
    assert lifecycle.check_deadline(UUID(job["id"]), 600).status is ExportJobStatus.IN_PROGRESS
    assert lifecycle.check_deadline(UUID(job["id"]), 60).status is ExportJobStatus.FAILED
    timed_out = company.job(job["id"])
    assert timed_out["failureReasonType"] == "service_timeout"
    assert "expiredAt" not in timed_out
    assert datetime.fromisoformat(timed_out["completedAt"]) <= datetime.now(UTC)
