"""Tracing a job like the Step Functions console: the admin endpoint and the CLIs."""

import io
import json
import uuid

import pytest
from export_api.models.enums import ExportJobStatus
from export_api.services.container import get_services
from export_api.settings import MissingConfiguration

from export_api_local import reconcile, trace
from tests.support.api import ADMIN, ApiClient
from tests.support.data import Company
from tests.support.webhooks import reconfigure
from tests.workflow.conftest import Lifecycle


def finished_job(lifecycle: Lifecycle, company: Company) -> str:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    assert company.event(job["id"], "started") == 202
    lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    assert company.event(job["id"], "completed") == 202
    lifecycle.wait_until_done(job["id"])
    return str(job["id"])


def test_admin_endpoint_shows_status_and_history(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    running = company.api.get(f"/admin/export-jobs/{job['id']}/execution", ADMIN)
    assert running.status == 200
    assert (running.body["status"], running.body["currentState"]) == ("RUNNING", "AwaitStart")

    assert company.event(job["id"], "failed") == 202
    lifecycle.wait_until_done(job["id"])
    traced = company.api.get(f"/admin/export-jobs/{job['id']}/execution", ADMIN).body
    assert traced["jobId"] == job["id"]
    assert traced["executionArn"] == lifecycle.execution_arn(job["id"])
    assert (traced["status"], traced["error"]) == ("FAILED", "failed")
    assert traced["input"]["jobId"] == job["id"]
    assert "currentState" not in traced
    events = traced["events"]
    assert events[0]["type"] == "ExecutionStarted"
    assert events[-1]["type"] == "ExecutionFailed"
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    waiting = [(e["type"], e["stateName"]) for e in events if e.get("stateName") == "AwaitStart"]
    assert ("TaskSubmitted", "AwaitStart") in waiting
    assert ("TaskSucceeded", "AwaitStart") in waiting
    assert traced["stateTransitions"] == sum(e["type"].endswith("StateEntered") for e in events)


def test_admin_endpoint_errors(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    assert company.api.get(f"/admin/export-jobs/{job['id']}/execution", company.identity).status == 403
    assert company.api.get(f"/admin/export-jobs/{uuid.uuid4()}/execution", ADMIN).status == 404
    assert company.api.post(f"/admin/export-jobs/{uuid.uuid4()}/execution/reconcile", ADMIN).status == 404
    assert company.event(job["id"], "failed") == 202
    lifecycle.wait_until_done(job["id"])


def test_without_a_state_machine_no_workflow_is_built(
    api: ApiClient, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every job's lifecycle is an execution: a process without STATE_MACHINE_ARN has nothing to drive one
    with, and says so (on Lambda the function refuses to start: tests/security/test_fail_closed.py)."""
    job = company.create_job()
    reconfigure(monkeypatch, STATE_MACHINE_ARN="")
    with pytest.raises(MissingConfiguration, match=r"STATE_MACHINE_ARN is not set.*ExportJobLifecycle"):
        _ = get_services().workflow
    # Reading jobs needs no workflow.
    assert company.job(job["id"])["status"] == "pending"


def test_trace_cli(lifecycle: Lifecycle, company: Company) -> None:
    job_id = finished_job(lifecycle, company)
    out = io.StringIO()
    assert trace.main([job_id], out=out) == 0
    text = out.getvalue()
    assert "SUCCEEDED" in text
    # PublishCreated, AwaitStart, PublishEvents, JobStatus, AwaitFinish, PublishClosed, Finalize, JobOutcome,
    # JobSucceeded
    assert "State transitions 9" in text
    assert "TaskSubmitted" in text
    assert "AwaitFinish" in text

    out = io.StringIO()
    assert trace.main([job_id, "--json"], out=out) == 0
    assert json.loads(out.getvalue())["status"] == "SUCCEEDED"
    assert trace.main([str(uuid.uuid4())], out=io.StringIO()) == 1


def test_reconcile_cli(lifecycle: Lifecycle, company: Company, capsys: pytest.CaptureFixture[str]) -> None:
    job_id = finished_job(lifecycle, company)
    out = io.StringIO()
    assert reconcile.main([job_id], out=out) == 0
    outcome = json.loads(out.getvalue())
    assert (outcome["action"], outcome["executionStatus"]) == ("nothing_to_do", "SUCCEEDED")
    assert reconcile.main([str(uuid.uuid4())], out=io.StringIO()) == 1
    assert "does not exist" in capsys.readouterr().err
