"""Workflow tests: ExportJobLifecycle (statemachine/export_job.asl.json) executed for real by moto,
its Task states running JobWorkflowFunction's handler in-process through export_api_local.lambda_hook,
the state machine and functions created from template.yaml once per session (tests/conftest.py,
tests/support/workflow.py). These tests watch the executions closely, with job limits of seconds."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from export_api.models.enums import ExportJobStatus
from export_api.repositories.jobs import JobsRepository
from export_api.services.container import get_services
from export_api.settings import get_settings

from export_api_local.stack import ProvisionedStack
from tests.support import workflow
from tests.support.workflow import WAIT_SECONDS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "lifecycle(expires_in=60, stuck_timeout=60): the job limits the workflow fixture provisions"
    )


@dataclass
class Lifecycle:
    """The provisioned state machine, and ways to watch a job's execution."""

    stack: ProvisionedStack
    sfn: Any
    jobs: JobsRepository

    def execution_arn(self, job_id: str) -> str:
        return self.stack.execution_arn(job_id)

    def describe(self, job_id: str) -> dict[str, Any]:
        return workflow.describe(job_id)

    def history(self, job_id: str) -> list[dict[str, Any]]:
        return workflow.history(job_id)

    def states_entered(self, job_id: str, publish: bool = False) -> list[str]:
        """The states the execution entered, in order; the webhook Publish states only if `publish`
        (tests/workflow/test_webhook_events.py covers them; the lifecycle's path is the rest)."""
        return workflow.states_entered(job_id, publish)

    def wait_until(self, what: str, condition: Callable[[], bool]) -> None:
        workflow.wait_until(what, condition)

    def wait_until_done(self, job_id: str) -> dict[str, Any]:
        return workflow.wait_until_ended(job_id)

    def wait_for_token(self, job_id: str, awaiting: ExportJobStatus) -> None:
        """Until the execution waits for the job to leave `awaiting`, its task token stored on the job."""
        workflow.wait_for_token(job_id, awaiting)


class PausedStep:
    """An interceptor for the Lambda hook: holds one workflow step until released, so an event can go first."""

    def __init__(self, action: str, **fields: str) -> None:
        self.action = action
        self.fields = fields
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, logical_id: str, event: Any) -> None:
        if logical_id != "JobWorkflowFunction" or event.get("action") != self.action:
            return
        if all(event.get(_camel(k)) == v for k, v in self.fields.items()):
            self.reached.set()
            assert self.release.wait(WAIT_SECONDS), "the test never released the step"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.fixture
def lifecycle(request: pytest.FixtureRequest, tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lifecycle]:
    """The session's state machine, with the job limits of the test's `lifecycle` marker (seconds: a
    job's limits travel in its execution's input, so the definition is the same)."""
    marker = request.node.get_closest_marker("lifecycle")
    limits: dict[str, int] = {"expires_in": 60, "stuck_timeout": 60, **(marker.kwargs if marker else {})}
    monkeypatch.setenv("JOB_EXPIRES_IN_SECONDS", str(limits["expires_in"]))
    monkeypatch.setenv("JOB_STUCK_TIMEOUT_SECONDS", str(limits["stuck_timeout"]))
    get_settings.cache_clear()
    get_services.cache_clear()
    try:
        yield Lifecycle(
            workflow.provisioned_stack(), workflow.sfn(), JobsRepository(get_settings().required("jobs_table_name"))
        )
    finally:
        get_settings.cache_clear()
        get_services.cache_clear()
