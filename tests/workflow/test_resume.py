"""When Step Functions cannot be reached: the API answer stays right, retries back off, and reconciling
brings job and execution back in step."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from export_api.models.enums import ExportJobStatus
from export_api.repositories.stepfunctions import ExecutionsUnavailable, StepFunctionsRepository
from export_api.services.container import get_services
from export_api.services.workflow import StepFunctionsJobWorkflow

from tests.support.api import ADMIN
from tests.support.data import Company
from tests.workflow.conftest import Lifecycle, PausedStep


class Outage:
    """Makes a StepFunctionsRepository method fail as throttled `failures` times (all of them if None)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, method: str, failures: int | None = None) -> None:
        self.calls = 0
        self.failures = failures
        original: Callable[..., Any] = getattr(StepFunctionsRepository, method)

        def flaky(repository: StepFunctionsRepository, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.failures is None or self.calls <= self.failures:
                raise ExecutionsUnavailable("ThrottlingException: Rate exceeded")
            return original(repository, *args, **kwargs)

        monkeypatch.setattr(StepFunctionsRepository, method, flaky)

    def end(self) -> None:
        self.failures = 0


def workflow() -> StepFunctionsJobWorkflow:
    found = get_services().jobs.workflow
    assert isinstance(found, StepFunctionsJobWorkflow)
    return found


def record_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    sleeps: list[float] = []
    monkeypatch.setattr(workflow(), "sleep", sleeps.append)
    return sleeps


def reconcile(company: Company, job_id: str) -> dict[str, Any]:
    response = company.api.post(f"/admin/export-jobs/{job_id}/execution/reconcile", ADMIN)
    assert response.status == 200, response.body
    body: dict[str, Any] = response.body
    return body


def test_resuming_retries_with_backoff(lifecycle: Lifecycle, company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps = record_sleeps(monkeypatch)
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    outage = Outage(monkeypatch, "send_task_success", failures=2)
    assert company.event(job["id"], "started") == 202
    assert outage.calls == 3
    # Exponential from 0.1 s, each jittered by a factor in [0.5, 1.5).
    assert len(sleeps) == 2
    assert 0.05 <= sleeps[0] < 0.15
    assert 0.1 <= sleeps[1] < 0.3
    lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    assert company.event(job["id"], "completed") == 202
    assert lifecycle.wait_until_done(job["id"])["status"] == "SUCCEEDED"


def test_a_failed_resume_keeps_the_answer_and_reconcile_catches_up(
    lifecycle: Lifecycle, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_sleeps(monkeypatch)
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    outage = Outage(monkeypatch, "send_task_success")
    assert company.event(job["id"], "started") == 202
    assert company.job(job["id"])["status"] == "in_progress"
    # The execution still waits in AwaitStart for a job that has moved on.
    execution = company.api.get(f"/admin/export-jobs/{job['id']}/execution", ADMIN)
    assert execution.body["status"] == "RUNNING"
    assert execution.body["currentState"] == "AwaitStart"

    still_down = company.api.post(f"/admin/export-jobs/{job['id']}/execution/reconcile", ADMIN)
    assert still_down.status == 503
    outage.end()
    outcome = reconcile(company, job["id"])
    assert outcome["action"] == "resumed_wait"
    assert outcome["jobStatus"] == "in_progress"
    lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    assert reconcile(company, job["id"])["action"] == "nothing_to_do"
    assert company.event(job["id"], "completed") == 202
    assert lifecycle.wait_until_done(job["id"])["status"] == "SUCCEEDED"


def test_a_job_whose_execution_did_not_start_is_started_by_reconcile(
    lifecycle: Lifecycle, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_sleeps(monkeypatch)
    outage = Outage(monkeypatch, "start_execution")
    job = company.create_job()  # still 200: the job is recorded, a retry would make a second one
    assert outage.calls == 3
    missing = company.api.get(f"/admin/export-jobs/{job['id']}/execution", ADMIN)
    assert missing.status == 404
    assert "reconcile" in missing.body["message"]

    outage.end()
    assert reconcile(company, job["id"])["action"] == "started_execution"
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    assert company.event(job["id"], "failed") == 202
    assert lifecycle.wait_until_done(job["id"])["status"] == "FAILED"
    assert reconcile(company, job["id"])["action"] == "nothing_to_do"


def test_reconcile_reports_an_execution_that_ended_under_an_open_job(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    # The wait fails (as a step failing for good would): the execution ends, the job stays pending.
    token = lifecycle.jobs.task_token(UUID(job["id"]))
    assert token is not None
    lifecycle.sfn.send_task_failure(taskToken=token[0], error="Boom")
    assert lifecycle.wait_until_done(job["id"])["status"] == "FAILED"
    outcome = reconcile(company, job["id"])
    assert (outcome["action"], outcome["executionStatus"], outcome["jobStatus"]) == ("diverged", "FAILED", "pending")


@pytest.mark.lifecycle(expires_in=1)
def test_started_racing_the_expiry(lifecycle: Lifecycle, company: Company) -> None:
    """`started` lands after AwaitStart timed out but before CheckDeadline ran: the job is started, not expired."""
    expiring = PausedStep("check_deadline")
    with lifecycle.stack.hook.intercept(expiring):
        job = company.create_job()
        assert expiring.reached.wait(10)
        # Resuming the timed-out wait's token fails (on AWS: TaskTimedOut) and is ignored.
        assert company.event(job["id"], "started") == 202
        expiring.release.set()
        lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    assert company.event(job["id"], "completed") == 202
    assert lifecycle.wait_until_done(job["id"])["status"] == "SUCCEEDED"
    states = lifecycle.states_entered(job["id"])
    assert states[states.index("AwaitStart") :] == [
        "AwaitStart",
        "CheckDeadline",
        "JobStatus",
        "AwaitFinish",
        "Finalize",
        "JobOutcome",
        "JobSucceeded",
    ]
    assert "expiredAt" not in company.job(job["id"])


def test_an_unexpected_error_while_resuming_keeps_the_answer(
    lifecycle: Lifecycle, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transition is recorded: the answer is 202 whatever happens next, and reconcile catches up."""
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)

    def broken(*_: Any) -> None:
        raise RuntimeError("Step Functions is having a bad day")

    with monkeypatch.context() as patched:
        patched.setattr(StepFunctionsRepository, "send_task_success", broken)
        assert company.event(job["id"], "started") == 202
    assert company.job(job["id"])["status"] == "in_progress"
    assert reconcile(company, job["id"])["action"] == "resumed_wait"
    lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    assert company.event(job["id"], "completed") == 202
    assert lifecycle.wait_until_done(job["id"])["status"] == "SUCCEEDED"
