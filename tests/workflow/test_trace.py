"""Tracing a job like the Step Functions console: the admin endpoint and the CLIs."""

import io
import json
import uuid

import pytest
from export_api.models.enums import ExportJobStatus

from export_api_local import reconcile, trace
from tests.support.api import ADMIN, ApiClient
from tests.support.data import Company
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


def test_inline_lifecycles_have_no_execution(api: ApiClient, company: Company) -> None:
    job = company.create_job()
    response = api.get(f"/admin/export-jobs/{job['id']}/execution", ADMIN)
    assert response.status == 404
    assert "inline" in response.body["message"]
    reconciled = api.post(f"/admin/export-jobs/{job['id']}/execution/reconcile", ADMIN)
    assert (reconciled.status, reconciled.body["action"]) == (200, "nothing_to_do")


def test_trace_cli(lifecycle: Lifecycle, company: Company) -> None:
    job_id = finished_job(lifecycle, company)
    out = io.StringIO()
    assert trace.main([job_id], out=out) == 0
    text = out.getvalue()
    assert "SUCCEEDED" in text
    assert "State transitions 6" in text
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
