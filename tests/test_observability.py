"""Logs, metrics and traces as an operator sees them: the JSON lines and EMF records on stdout."""

import json
import os
import subprocess
import sys
import uuid
import warnings
from pathlib import Path
from typing import Any

import pytest
from export_api import observability
from export_api.services.container import get_services

from export_api_local.apigw import find_route, invoke, rest_event
from tests.support.api import Identity
from tests.support.data import Company, failed, successful
from tests.support.workflow import wait_until_ended

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = os.environ["POWERTOOLS_METRICS_NAMESPACE"]
Record = dict[str, Any]


class Output:
    """What the handlers printed since the last read: log lines and EMF metric records."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.logs: list[Record] = []
        self.metrics: list[Record] = []

    def read(self) -> "Output":
        self.logs, self.metrics = [], []
        for line in self.capsys.readouterr().out.splitlines():
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            (self.metrics if "_aws" in record else self.logs).append(record)
        return self

    def lines(self, message: str) -> list[Record]:
        return [r for r in self.logs if r.get("message") == message]

    def line(self, message: str) -> Record:
        found = self.lines(message)
        assert len(found) == 1, f"{len(found)} lines {message!r} in {self.logs}"
        return found[0]

    def count(self, name: str, **dimensions: str) -> float:
        """The sum of metric `name` over the records whose dimensions are exactly `service` + `dimensions`."""
        total = 0.0
        for record in self.metrics:
            directive = record["_aws"]["CloudWatchMetrics"][0]
            if name not in {m["Name"] for m in directive["Metrics"]}:
                continue
            assert directive["Namespace"] == NAMESPACE
            assert record["service"] == observability.METRICS_SERVICE
            if set(directive["Dimensions"][0]) != {"service", *dimensions}:
                continue
            if all(record.get(k) == v for k, v in dimensions.items()):
                value = record[name]
                total += sum(value) if isinstance(value, list) else value
        return total


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Output:
    capsys.readouterr()
    return Output(capsys)


def call(method: str, path: str, identity: Identity | None, body: Any = None) -> tuple[dict[str, Any], str]:
    """The raw Lambda response for one request, and the API Gateway request id it was sent with."""
    found = find_route(method, path)
    assert found is not None
    route, parameters = found
    event = rest_event(
        route,
        path,
        parameters,
        headers={"Content-Type": "application/json"},
        body=json.dumps(body) if body is not None else None,
        authorizer=identity.context() if identity else None,
    )
    return invoke(route, event), event["requestContext"]["requestId"]


# Logs -------------------------------------------------------------------------------------------


def test_job_creation_is_logged_with_service_correlation_id_and_job_id(company: Company, output: Output) -> None:
    response, request_id = call(
        "POST",
        "/v1/export-jobs",
        company.identity,
        {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:3]},
    )
    assert response["statusCode"] == 200
    job_id = json.loads(response["body"])["data"]["id"]
    assert response["headers"]["X-Request-Id"] == request_id

    line = output.read().line("export job created")
    assert line["level"] == "INFO"
    assert line["service"] == "export-jobs"
    assert line["correlation_id"] == request_id
    assert line["job_id"] == job_id
    assert line["company_id"] == company.company_id
    assert line["number_of_items"] == 3
    assert isinstance(line["cold_start"], bool)
    assert line["function_name"] == "ExportJobsFunction"
    assert {"timestamp", "location", "function_request_id"} <= line.keys()


def test_job_id_is_cleared_between_invocations(company: Company, output: Output) -> None:
    job = company.create_job(company.entry_ids[:2])
    company.event(job["id"], "started")
    output.read()
    assert output.line("export job event applied")["job_id"] == job["id"]

    # The next invocation of the same function concerns no job: no job id leaks into it.
    response, request_id = call("POST", "/v3/export-job-events", company.identity, {"event": "started"})
    assert response["statusCode"] == 400
    observability.get_logger("export-job-events").info("probe")
    probe = output.read().line("probe")
    assert probe["correlation_id"] == request_id
    assert "job_id" not in probe


def test_every_response_echoes_the_request_id(company: Company, output: Output) -> None:
    cases = [
        ("GET", f"/v3/export-jobs/{uuid.uuid4()}", company.identity, None, 404),
        ("GET", "/v3/export-jobs", None, None, 401),
        ("POST", "/v3/export-job-events", company.identity, ["not", "an", "object"], 400),
        ("GET", "/v3/export-items", company.identity, None, 400),
        ("GET", "/health", None, None, 200),
    ]
    for method, path, identity, body, status in cases:
        response, request_id = call(method, path, identity, body)
        assert response["statusCode"] == status, (path, response)
        assert response["headers"]["X-Request-Id"] == request_id, path


def test_an_unexpected_error_is_logged_with_its_request(
    company: Company, output: Output, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = company.create_job(company.entry_ids[:1])

    def broken(*_: Any) -> Any:
        raise RuntimeError("the table fell over")

    monkeypatch.setattr(get_services().jobs.jobs, "get", broken)
    response, request_id = call("GET", f"/v3/export-jobs/{job['id']}", company.identity)
    assert response["statusCode"] == 500
    assert response["headers"]["X-Request-Id"] == request_id
    line = output.read().line("unexpected error")
    assert line["level"] == "ERROR"
    assert line["correlation_id"] == request_id
    assert line["job_id"] == job["id"]
    assert "the table fell over" in line["exception"]
    assert line["exception_name"] == "RuntimeError"


def test_rejected_event_is_logged_with_reason(company: Company, output: Output) -> None:
    job = company.create_job(company.entry_ids[:1])
    output.read()
    assert company.event(job["id"], "completed") == 422
    line = output.read().line("export job event rejected")
    assert line["job_id"] == job["id"]
    assert line["event"] == "completed"
    assert line["reason"] == "INVALID_EXPORT_JOB_STATUS_CHANGE"


def test_authorizer_lines_share_the_request_correlation_id(output: Output) -> None:
    from functions.authorizer import app as authorizer

    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:api/api/GET/v3/export-jobs",
        "headers": {"Authorization": "Bearer not-a-token"},
        "requestContext": {"requestId": "req-123", "stage": "api"},
    }
    with pytest.raises(Exception, match="Unauthorized"):
        authorizer.handler(event, None)
    line = output.read().line("credential rejected")
    assert line["service"] == "authorizer"
    assert line["correlation_id"] == "req-123"
    assert "Bearer" not in json.dumps(line)


# Metrics ----------------------------------------------------------------------------------------


def test_job_lifecycle_metrics(company: Company, output: Output) -> None:
    job = company.create_job(company.entry_ids[:4])
    assert output.read().count("JobsCreated") == 1

    assert company.event(job["id"], "started") == 202
    assert output.read().count("JobsStarted") == 1
    assert output.count("JobsClosed", status="completed") == 0

    updates = [
        successful(company.entry_ids[0]),
        successful(company.entry_ids[1], "ERP-2"),
        failed(company.entry_ids[2]),
    ]
    company.update_items(job["id"], updates)
    output.read()
    assert output.count("ItemsUpdated", status="successful") == 2
    assert output.count("ItemsUpdated", status="failed") == 1

    assert company.event(job["id"], "completed_with_errors") == 202
    assert output.read().count("JobsClosed", status="completed_with_errors") == 1
    assert output.count("JobsStarted") == 0


def test_a_failed_job_counts_its_abandoned_items(company: Company, output: Output) -> None:
    job = company.create_job(company.entry_ids[:5])
    output.read()
    assert company.event(job["id"], "failed", failureReason="no config", failureReasonType="missing_configuration")
    # The job's execution abandons its items (Finalize).
    wait_until_ended(job["id"])
    output.read()
    assert output.count("JobsClosed", status="failed") == 1
    assert output.count("ItemsUpdated", status="abandoned") == 5


def test_rejected_events_are_counted_by_reason(company: Company, output: Output) -> None:
    job = company.create_job(company.entry_ids[:1])
    output.read()
    assert company.event(job["id"], "completed") == 422
    assert company.event(str(uuid.uuid4()), "started") == 404
    output.read()
    assert output.count("EventsRejected", reason="INVALID_EXPORT_JOB_STATUS_CHANGE") == 1
    assert output.count("EventsRejected", reason="EXPORT_NOT_FOUND") == 1
    assert output.count("JobsStarted") == 0


def test_metrics_are_flushed_once_per_invocation(company: Company, output: Output) -> None:
    company.create_closed_job(company.entry_ids[:1])
    company.create_job(company.entry_ids[:1])
    output.read()
    created = [r for r in output.metrics if "JobsCreated" in r]
    assert len(created) == 2, "one EMF record per invocation"
    assert output.count("JobsCreated") == 2


def test_disabled_metrics_print_nothing(company: Company, output: Output, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make run` sets POWERTOOLS_METRICS_DISABLED: no EMF record may reach its console."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    job = company.create_job(company.entry_ids[:2])
    assert company.event(job["id"], "failed", failureReason="x", failureReasonType="validation_failure") == 202
    assert output.read().metrics == []


def test_reads_publish_no_metric_and_no_warning(company: Company, output: Output) -> None:
    job = company.create_job(company.entry_ids[:1])
    output.read()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        company.job(job["id"])
    assert [str(w.message) for w in caught] == []
    assert [m for m in output.read().metrics if "ColdStart" not in m] == []


def test_expiry_helper_for_the_workflow(output: Output) -> None:
    def step(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        observability.bind_job(event["jobId"])
        observability.record_job_expired(event["reason"])
        observability.get_logger().info("job expired")
        return {"status": "failed"}

    # Not "job-workflow": that function's own module may have made that logger already, writing elsewhere.
    handler = observability.instrument(step, service="workflow-under-test")
    job_id = str(uuid.uuid4())
    assert handler({"jobId": job_id, "reason": "job_expired"}, None) == {"status": "failed"}
    handler({"jobId": job_id, "reason": "service_timeout"}, None)
    output.read()
    assert output.count("JobsExpired", reason="job_expired") == 1
    assert output.count("JobsExpired", reason="service_timeout") == 1
    assert output.count("JobsClosed", status="failed") == 2
    lines = output.lines("job expired")
    assert [(line["service"], line["job_id"]) for line in lines] == [("workflow-under-test", job_id)] * 2


# Traces -----------------------------------------------------------------------------------------


def _python(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("POWERTOOLS_TRACE_DISABLED", "LAMBDA_TASK_ROOT")}
    environment.update(PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'shared'}", **env)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


PROBE = (
    "import sys, functions.export_jobs.app as app; from export_api import observability as o; "
    "print(o.tracing_enabled(), o.get_tracer('export-jobs') is not None, 'aws_xray_sdk' in sys.modules)"
)


def test_tracer_is_not_even_imported_when_tracing_is_off() -> None:
    assert observability.tracing_enabled() is False
    # Tracer() imports the X-Ray SDK even when disabled: cold start paid for nothing.
    assert _python(PROBE, POWERTOOLS_TRACE_DISABLED="true", LAMBDA_TASK_ROOT="/var/task") == "False False False"
    assert _python(PROBE) == "False False False", "outside Lambda (tests, local server) there is nothing to trace to"


def test_tracer_wraps_the_handler_in_lambda_when_tracing_is_on() -> None:
    assert _python(PROBE, LAMBDA_TASK_ROOT="/var/task") == "True True True"
    authorizer = (
        "import functions.authorizer.app; from export_api import observability as o; "
        "t = o.get_tracer('authorizer', False); print(t is not None, t.auto_patch)"
    )
    assert _python(authorizer, LAMBDA_TASK_ROOT="/var/task") == "True False", "no botocore import at its init"
