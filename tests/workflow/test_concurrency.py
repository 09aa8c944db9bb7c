"""50 racing events on one job with its Step Functions execution running: one transition wins, and
the execution's wait is resumed exactly once (counted at the Step Functions port and in its history)."""

import threading
from collections import Counter
from typing import Any

import pytest
from export_api.models.enums import ExportJobStatus
from export_api.repositories.stepfunctions import StepFunctionsRepository

from tests.support.api import Response
from tests.support.concurrency import run_concurrently
from tests.support.data import Company
from tests.workflow.conftest import Lifecycle

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


class Resumes:
    """Counts SendTaskSuccess calls (the events service's and the workflow function's own)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tokens: list[str] = []
        self._lock = threading.Lock()
        original = StepFunctionsRepository.send_task_success

        def counted(repository: StepFunctionsRepository, token: str, output: Any) -> None:
            with self._lock:
                self.tokens.append(token)
            original(repository, token, output)

        monkeypatch.setattr(StepFunctionsRepository, "send_task_success", counted)


def _resumed_states(lifecycle: Lifecycle, job_id: str) -> Counter[str]:
    """How many times each wait state's task was completed, from the execution's history."""
    resumed: Counter[str] = Counter()
    state = ""
    for event in lifecycle.history(job_id):
        if event["type"] == "TaskStateEntered":
            state = event["stateEnteredEventDetails"]["name"]
        elif event["type"] == "TaskSucceeded" and state.startswith("Await"):
            resumed[state] += 1
    return resumed


def _race(company: Company, job_id: str, events: list[str]) -> list[Response]:
    return run_concurrently(
        events,
        lambda event: company.api.post("/v3/export-job-events", company.identity, {"jobId": job_id, "event": event}),
    )


@pytest.mark.parametrize("wait_for_the_execution", [True, False], ids=["waiting", "racing-the-wait"])
def test_50_racing_events_resume_the_execution_once(
    lifecycle: Lifecycle, company: Company, monkeypatch: pytest.MonkeyPatch, wait_for_the_execution: bool
) -> None:
    resumes = Resumes(monkeypatch)
    job_id = company.create_job(company.entry_ids[:5])["id"]
    if wait_for_the_execution:
        lifecycle.wait_for_token(job_id, ExportJobStatus.PENDING)
    # Otherwise the events race the execution storing its token: either an event resumes the wait, or
    # the wait finds the job started and completes itself; never both.

    started = _race(company, job_id, ["started"] * 50)
    assert Counter(r.status for r in started) == {202: 1, 422: 49}
    lifecycle.wait_for_token(job_id, ExportJobStatus.IN_PROGRESS)
    assert len(resumes.tokens) == 1
    assert _resumed_states(lifecycle, job_id) == {"AwaitStart": 1}

    closing = ["completed", "completed_with_errors", "failed"]
    closed = _race(company, job_id, [closing[i % 3] for i in range(50)])
    assert Counter(r.status for r in closed) == {202: 1, 422: 49}
    winner = closing[next(i for i, r in enumerate(closed) if r.status == 202) % 3]
    description = lifecycle.wait_until_done(job_id)
    assert description["status"] == ("FAILED" if winner == "failed" else "SUCCEEDED")
    assert company.job(job_id)["status"] == winner
    assert len(resumes.tokens) == 2
    assert len(set(resumes.tokens)) == 2
    assert _resumed_states(lifecycle, job_id) == {"AwaitStart": 1, "AwaitFinish": 1}
    # One execution for the job, named after it.
    executions = lifecycle.sfn.list_executions(stateMachineArn=lifecycle.stack.state_machine_arn)["executions"]
    assert [e["name"] for e in executions].count(job_id) == 1


def test_a_retried_creation_with_a_key_makes_one_job_and_one_execution(lifecycle: Lifecycle, company: Company) -> None:
    body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:3]}
    headers = {"Idempotency-Key": "create-once"}
    responses = run_concurrently(
        list(range(5)),
        lambda _: company.api.request(
            "POST", "/v1/export-jobs", identity=company.identity, json_body=body, headers=headers
        ),
    )
    ids = {r.data["id"] for r in responses if r.status == 200}
    assert len(ids) == 1
    assert {r.status for r in responses} <= {200, 422}
    (job_id,) = ids
    lifecycle.wait_for_token(job_id, ExportJobStatus.PENDING)
    executions = lifecycle.sfn.list_executions(stateMachineArn=lifecycle.stack.state_machine_arn)["executions"]
    assert [e["name"] for e in executions].count(job_id) == 1
    listed = company.api.get("/v3/export-jobs", company.identity, {"limit": "0"})
    assert listed.body["pagination"]["total"] == 1


def test_concurrent_creates_for_one_company_make_one_job_and_one_execution(
    lifecycle: Lifecycle, company: Company
) -> None:
    def execution_names() -> set[str]:
        listed = lifecycle.sfn.list_executions(stateMachineArn=lifecycle.stack.state_machine_arn)["executions"]
        return {str(e["name"]) for e in listed}

    before = execution_names()
    responses = run_concurrently(
        list(range(8)),
        lambda i: company.api.post(
            "/v1/export-jobs",
            company.identity,
            {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[i : i + 5]},
        ),
    )
    assert Counter(r.status for r in responses) == {200: 1, 409: 7}
    (job_id,) = [r.data["id"] for r in responses if r.status == 200]
    lifecycle.wait_for_token(job_id, ExportJobStatus.PENDING)
    # One execution started by the race: the winner's (the machine is shared by the session's tests).
    assert execution_names() - before == {job_id}
    # Once it is done, the next one.
    assert company.event(job_id, "failed") == 202
    assert lifecycle.wait_until_done(job_id)["status"] == "FAILED"
    following = company.create_job(company.entry_ids[:2])["id"]
    assert company.event(following, "failed") == 202
    assert lifecycle.wait_until_done(following)["status"] == "FAILED"
