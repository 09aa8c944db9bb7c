"""What traces may carry: no Step Functions task token over the admin API (a token resumes or fails
an execution), and no handler response in X-Ray (accounting data)."""

from typing import Any
from uuid import UUID

import pytest
from export_api import observability
from export_api.models.enums import ExportJobStatus
from export_api.repositories.stepfunctions import REDACTED, redact_task_tokens

from tests.support.api import ADMIN
from tests.support.data import Company
from tests.workflow.conftest import Lifecycle


def test_the_admin_trace_carries_no_task_token(lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    stored = lifecycle.jobs.task_token(UUID(job["id"]))
    assert stored is not None
    traced = company.api.get(f"/admin/export-jobs/{job['id']}/execution", ADMIN)
    assert traced.status == 200
    assert stored[0] not in (traced.raw_body or "")
    assert REDACTED in (traced.raw_body or ""), "the task's parameters are shown, the token masked"
    assert company.event(job["id"], "failed") == 202
    lifecycle.wait_until_done(job["id"])


def test_tokens_are_redacted_wherever_they_sit() -> None:
    parameters = '{"FunctionName": "f", "Payload": {"jobId": "j", "taskToken": "AQB-secret"}}'
    redacted = redact_task_tokens({"parameters": parameters, "output": [{"TaskToken": "AQB-secret"}], "n": 1})
    assert "AQB-secret" not in repr(redacted)
    assert redacted["n"] == 1
    assert '"jobId": "j"' in redacted["parameters"]


class _FakeTracer:
    def __init__(self) -> None:
        self.captured: dict[str, Any] = {}

    def capture_lambda_handler(self, handler: Any, **options: Any) -> Any:
        self.captured.update(options)
        return handler

    def put_annotation(self, key: str, value: str) -> None:
        pass


def test_the_tracer_never_captures_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    tracer = _FakeTracer()
    monkeypatch.setattr(observability, "get_tracer", lambda *_args: tracer)
    handler = observability.instrument(lambda _event, _context: {"body": "accounting data"}, "tests")
    assert handler({}, None) == {"body": "accounting data"}
    assert tracer.captured.get("capture_response") is False


def test_the_template_switches_response_capture_off() -> None:
    from export_api_local.template import load_template

    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
