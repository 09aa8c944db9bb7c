"""Full job lifecycles driven through the handlers, then checked on the execution's history."""

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from export_api.models.enums import ExportJobStatus
from export_api.repositories.stepfunctions import StepFunctionsRepository
from export_api.services.container import get_services

from tests.support.api import ADMIN
from tests.support.data import Company, failed, item_update, successful, walk
from tests.workflow.conftest import Lifecycle, PausedStep

HAPPY_PATH = [
    "AwaitStart",
    "JobStatus",
    "AwaitFinish",
    "Finalize",
    "JobOutcome",
    "JobSucceeded",
]


def task_events(history: list[dict[str, Any]], state: str) -> list[dict[str, Any]]:
    """The events of every visit to `state`, between its StateEntered and StateExited."""
    found: list[dict[str, Any]] = []
    inside = False
    for event in history:
        details = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails") or {}
        if event["type"].endswith("StateEntered"):
            inside = details.get("name") == state
        elif event["type"].endswith("StateExited"):
            inside = False
        elif inside:
            found.append(event)
    return found


def callback_output(history: list[dict[str, Any]], state: str) -> Any:
    """What resumed a wait: the output of its TaskSucceeded."""
    succeeded = [e for e in task_events(history, state) if e["type"] == "TaskSucceeded"]
    assert len(succeeded) == 1, task_events(history, state)
    return json.loads(succeeded[0]["taskSucceededEventDetails"]["output"])


def types_in(history: list[dict[str, Any]], state: str) -> list[str]:
    return [e["type"] for e in task_events(history, state)]


def start(lifecycle: Lifecycle, company: Company, job_id: str) -> None:
    lifecycle.wait_for_token(job_id, ExportJobStatus.PENDING)
    assert company.event(job_id, "started") == 202
    lifecycle.wait_for_token(job_id, ExportJobStatus.IN_PROGRESS)


def test_started_then_completed(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    start(lifecycle, company, job["id"])
    assert len(company.items(job["id"], "pending")) == 30  # written before the job was
    company.update_items(job["id"], [successful(e, f"ERP-{i}") for i, e in enumerate(company.entry_ids)])
    assert company.event(job["id"], "completed") == 202

    execution = lifecycle.wait_until_done(job["id"])
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    assert output["status"] == "completed"
    assert output["itemCounts"] == {"pending": 0, "inProgress": 0, "failed": 0, "successful": 30, "abandoned": 0}
    assert {"startedAt", "completedAt", "finalizedAt"} <= output.keys()
    history = lifecycle.history(job["id"])
    assert lifecycle.states_entered(job["id"]) == HAPPY_PATH
    # Each wait stored its token (TaskSubmitted), then the event resumed it (TaskSucceeded).
    assert types_in(history, "AwaitStart") == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    # An event resumes a wait with the job's status and the seconds left until its next deadline: the
    # whole expiresIn (60 here) for a job just acted on; none for a closed one.
    assert callback_output(history, "AwaitStart") == {"status": "in_progress", "secondsLeft": 60}
    assert callback_output(history, "AwaitFinish") == {"status": "completed", "secondsLeft": 0}
    assert company.job(job["id"])["status"] == "completed"


def test_started_then_completed_with_errors(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    start(lifecycle, company, job["id"])
    half = len(company.entry_ids) // 2
    company.update_items(
        job["id"],
        [successful(e) for e in company.entry_ids[:half]] + [failed(e) for e in company.entry_ids[half:]],
    )
    assert company.event(job["id"], "completed_with_errors") == 202

    execution = lifecycle.wait_until_done(job["id"])
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    assert output["status"] == "completed_with_errors"
    assert output["itemCounts"] == {"pending": 0, "inProgress": 0, "failed": 15, "successful": 15, "abandoned": 0}
    assert lifecycle.states_entered(job["id"]) == HAPPY_PATH


def test_failed_abandons_unfinished_items_in_batches(
    lifecycle: Lifecycle, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches of 5 items, 2 batches per Finalize call: 15 unfinished items take two calls.
    monkeypatch.setattr("export_api.services.job_items.MAX_TRANSACTION_ACTIONS", 6)
    monkeypatch.setattr("export_api.services.job_lifecycle.ABANDON_BATCHES_PER_CALL", 2)
    job = company.create_job()
    start(lifecycle, company, job["id"])
    ids = company.entry_ids
    company.update_items(
        job["id"],
        [successful(e) for e in ids[:10]]
        + [item_update(e, "in_progress") for e in ids[10:15]]
        + [failed(e) for e in ids[15:20]],
    )
    reason = "The accounting system did not answer."
    assert (
        company.event(job["id"], "failed", failureReasonType="accounting_system_unreachable", failureReason=reason)
        == 202
    )

    execution = lifecycle.wait_until_done(job["id"])
    assert execution["status"] == "FAILED"
    assert (execution["error"], execution["cause"]) == ("accounting_system_unreachable", reason)
    states = lifecycle.states_entered(job["id"])
    assert states.count("Finalize") == 2
    assert states[-1] == "JobFailed"
    abandoned = {i["accountingEntryId"] for i in company.items(job["id"], "abandoned")}
    assert abandoned == set(ids[10:15] + ids[20:])
    assert len(company.items(job["id"], "successful")) == 10
    assert len(company.items(job["id"], "failed")) == 5
    assert company.job(job["id"])["failureReasonType"] == "accounting_system_unreachable"


def test_failed_before_being_started(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    assert company.event(job["id"], "failed", failureReasonType="invalid_configuration") == 202

    execution = lifecycle.wait_until_done(job["id"])
    assert execution["status"] == "FAILED"
    assert execution["error"] == "invalid_configuration"
    assert "AwaitFinish" not in lifecycle.states_entered(job["id"])
    assert callback_output(lifecycle.history(job["id"]), "AwaitStart") == {"status": "failed", "secondsLeft": 0}
    assert len(company.items(job["id"], "abandoned")) == 30


@pytest.mark.lifecycle(expires_in=1)
def test_a_job_never_started_expires(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    assert job["expiresIn"] == 1

    execution = lifecycle.wait_until_done(job["id"])
    assert execution["status"] == "FAILED"
    assert execution["error"] == "job_expired"
    history = lifecycle.history(job["id"])
    assert types_in(history, "AwaitStart")[-1] == "TaskTimedOut"
    assert lifecycle.states_entered(job["id"]) == [
        "AwaitStart",
        "CheckDeadline",
        "JobStatus",
        "Finalize",
        "JobOutcome",
        "JobFailed",
    ]
    expired = company.job(job["id"])
    assert expired["status"] == "failed"
    assert expired["failureReasonType"] == "job_expired"
    assert expired["expiredAt"] == expired["lastUpdatedAt"] == expired["completedAt"]
    assert datetime.fromisoformat(expired["expiredAt"]) >= datetime.fromisoformat(job["lastUpdatedAt"]) + timedelta(
        seconds=1
    )
    assert len(company.items(job["id"], "abandoned")) == 30
    # Too late: a closed job takes no more events.
    assert company.event(job["id"], "started") == 422


@pytest.mark.lifecycle(stuck_timeout=1)
def test_a_started_job_without_closing_event_times_out(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    # Before `started`: once started, the job has only a second before it times out.
    company.update_items(job["id"], [successful(e) for e in company.entry_ids[:5]])
    assert company.event(job["id"], "started") == 202

    execution = lifecycle.wait_until_done(job["id"])
    assert execution["status"] == "FAILED"
    assert execution["error"] == "service_timeout"
    assert types_in(lifecycle.history(job["id"]), "AwaitFinish")[-1] == "TaskTimedOut"
    assert "CheckDeadline" in lifecycle.states_entered(job["id"])
    stuck = company.job(job["id"])
    assert (stuck["status"], stuck["failureReasonType"]) == ("failed", "service_timeout")
    assert "expiredAt" not in stuck
    assert len(company.items(job["id"], "abandoned")) == 25
    assert len(company.items(job["id"], "successful")) == 5
    assert company.event(job["id"], "completed") == 422


def test_started_arrives_before_the_token_is_stored(lifecycle: Lifecycle, company: Company) -> None:
    pause = PausedStep("await_event", while_status="pending")
    with lifecycle.stack.hook.intercept(pause):
        job = company.create_job()
        assert pause.reached.wait(10)
        # No token on the job yet: the events service has nothing to resume.
        assert lifecycle.jobs.task_token(UUID(job["id"])) is None
        assert company.event(job["id"], "started") == 202
        pause.release.set()
        lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    assert company.event(job["id"], "completed") == 202

    assert lifecycle.wait_until_done(job["id"])["status"] == "SUCCEEDED"
    history = lifecycle.history(job["id"])
    submitted = [e for e in task_events(history, "AwaitStart") if e["type"] == "TaskSubmitted"]
    payload = json.loads(submitted[0]["taskSubmittedEventDetails"]["output"])["Payload"]
    # The step found the job already started and completed its own task.
    assert payload == {"tokenStored": False, "status": "in_progress"}
    resumed = callback_output(history, "AwaitStart")
    assert resumed["status"] == "in_progress"
    assert 50 <= resumed["secondsLeft"] <= 60
    assert lifecycle.states_entered(job["id"]) == HAPPY_PATH


def test_closing_event_arrives_before_the_token_is_stored(lifecycle: Lifecycle, company: Company) -> None:
    pause = PausedStep("await_event", while_status="in_progress")
    with lifecycle.stack.hook.intercept(pause):
        job = company.create_job()
        lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
        assert company.event(job["id"], "started") == 202
        assert pause.reached.wait(10)
        # The stored token is AwaitStart's, already used: resuming it again is harmless.
        assert company.event(job["id"], "completed") == 202
        pause.release.set()

    assert lifecycle.wait_until_done(job["id"])["status"] == "SUCCEEDED"
    assert callback_output(lifecycle.history(job["id"]), "AwaitFinish") == {"status": "completed", "secondsLeft": 0}
    assert lifecycle.states_entered(job["id"]) == HAPPY_PATH


def test_one_execution_per_job(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    services = get_services()
    record = services.jobs.load(UUID(job["id"]))
    # A repeated start (retried creation, reconcile) and one with another input both find the execution.
    services.jobs.workflow.job_created(record)
    repository = StepFunctionsRepository(lifecycle.stack.state_machine_arn)
    assert repository.start_execution(job["id"], {"jobId": job["id"], "other": True}) == lifecycle.execution_arn(
        job["id"]
    )
    reconciled = company.api.post(f"/admin/export-jobs/{job['id']}/execution/reconcile", ADMIN)
    assert reconciled.status == 200
    assert reconciled.body["action"] == "nothing_to_do"

    def executions() -> list[str]:
        listed = lifecycle.sfn.list_executions(stateMachineArn=lifecycle.stack.state_machine_arn)["executions"]
        return [e["executionArn"] for e in listed if e["name"] == job["id"]]

    assert executions() == [lifecycle.execution_arn(job["id"])]
    start(lifecycle, company, job["id"])
    assert company.event(job["id"], "completed") == 202
    assert lifecycle.wait_until_done(job["id"])["status"] == "SUCCEEDED"
    # Not even once it has ended.
    repository.start_execution(job["id"], {"jobId": job["id"]})
    assert executions() == [lifecycle.execution_arn(job["id"])]


def test_every_item_is_there_before_the_execution_starts(lifecycle: Lifecycle, company: Company) -> None:
    """No job is visible before its items are: the workflow's first step is held, and POST has answered."""
    held = PausedStep("await_event", while_status="pending")
    with lifecycle.stack.hook.intercept(held):
        job = company.create_job()
        assert held.reached.wait(10)
        items = company.items(job["id"])
        assert sorted(i["accountingEntryId"] for i in items) == company.entry_ids
        exported = walk(company.api, "/v3/export-items", company.identity, {"job_id": job["id"]})
        assert sorted(e["accountingEntryId"] for e in exported) == company.entry_ids
        held.release.set()
    assert company.event(job["id"], "failed") == 202
    assert lifecycle.wait_until_done(job["id"])["status"] == "FAILED"


@pytest.mark.lifecycle(expires_in=2)
@pytest.mark.slow
def test_a_job_acted_on_before_its_deadline_waits_again(lifecycle: Lifecycle, company: Company) -> None:
    """The wait timed out, but the job was acted on meanwhile (an item update moved lastUpdatedAt): the
    execution waits again for what is left of expiresIn; then, left alone, the job expires."""
    checking = PausedStep("check_deadline")
    with lifecycle.stack.hook.intercept(checking):
        job = company.create_job()
        assert checking.reached.wait(10)
        # After the timeout, before the deadline is checked: the update counts.
        company.update_items(job["id"], [successful(company.entry_ids[0])])
        touched = company.job(job["id"])["lastUpdatedAt"]
        checking.release.set()
        execution = lifecycle.wait_until_done(job["id"])
    assert execution["error"] == "job_expired"
    assert lifecycle.states_entered(job["id"]) == [
        "AwaitStart",
        "CheckDeadline",
        "JobStatus",
        "AwaitStart",
        "CheckDeadline",
        "JobStatus",
        "Finalize",
        "JobOutcome",
        "JobFailed",
    ]
    first_check = next(
        e for e in task_events(lifecycle.history(job["id"]), "CheckDeadline") if e["type"] == "TaskSucceeded"
    )
    looked = json.loads(first_check["taskSucceededEventDetails"]["output"])["Payload"]
    assert looked["status"] == "pending"
    assert 1 <= looked["secondsLeft"] <= 2
    expired = company.job(job["id"])
    assert expired["failureReasonType"] == "job_expired"
    # Two seconds after the last action, not after the creation.
    assert datetime.fromisoformat(expired["expiredAt"]) >= datetime.fromisoformat(touched) + timedelta(seconds=2)
    assert len(company.items(job["id"], "abandoned")) == 29
    assert len(company.items(job["id"], "successful")) == 1


@pytest.mark.lifecycle(expires_in=2)
def test_a_started_job_left_alone_expires(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    # At once: the event may come before the execution waits (it then resumes itself).
    assert company.event(job["id"], "started") == 202
    company.update_items(
        job["id"],
        [successful(e) for e in company.entry_ids[:5]]
        + [item_update(e, "in_progress") for e in company.entry_ids[5:9]],
    )
    execution = lifecycle.wait_until_done(job["id"])
    assert (execution["status"], execution["error"]) == ("FAILED", "job_expired")
    states = lifecycle.states_entered(job["id"])
    # The item update after `started` moved the deadline: the first timeout may find it touched and wait again.
    assert states[-6:] == ["AwaitFinish", "CheckDeadline", "JobStatus", "Finalize", "JobOutcome", "JobFailed"]
    assert states.count("AwaitStart") == 1
    expired = company.job(job["id"])
    assert (expired["status"], expired["failureReasonType"]) == ("failed", "job_expired")
    assert expired["expiredAt"] == expired["lastUpdatedAt"]
    assert expired["startedAt"]
    # Pending and in-progress items alike are abandoned; results already given stay.
    assert len(company.items(job["id"], "abandoned")) == 25
    assert len(company.items(job["id"], "successful")) == 5
    # The company may export again.
    following = company.create_job(company.entry_ids[:1])["id"]
    assert company.event(following, "failed") == 202
    assert lifecycle.wait_until_done(following)["status"] == "FAILED"
