"""Workflow tests: ExportJobLifecycle (statemachine/export_job.asl.json) executed for real by moto,
its Task states running JobWorkflowFunction's handler in-process through export_api_local.lambda_hook,
the state machine and functions created from template.yaml by export_api_local.stack.provision."""

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

import boto3
import pytest
from export_api.models.enums import ExportJobStatus
from export_api.repositories.jobs import JobsRepository
from export_api.services.container import get_services
from export_api.settings import Settings, get_settings

from export_api_local.stack import ProvisionedStack, emulation_config, provision

# Generous: a lifecycle takes well under a second here; only a broken workflow gets near it.
WAIT_SECONDS = 20.0


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
        description: dict[str, Any] = self.sfn.describe_execution(executionArn=self.execution_arn(job_id))
        return description

    def history(self, job_id: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.sfn.get_execution_history(
            executionArn=self.execution_arn(job_id), maxResults=1000
        )["events"]
        return events

    def states_entered(self, job_id: str, publish: bool = False) -> list[str]:
        """The states the execution entered, in order; the webhook Publish states only if `publish`
        (tests/workflow/test_webhook_events.py covers them; the lifecycle's path is the rest)."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history(job_id)
            if e["type"].endswith("StateEntered")
            and (publish or not e["stateEnteredEventDetails"]["name"].startswith("Publish"))
        ]

    def wait_until(self, what: str, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting until {what}")
            time.sleep(0.02)

    def wait_until_done(self, job_id: str) -> dict[str, Any]:
        self.wait_until(f"the execution of {job_id} ends", lambda: self.describe(job_id)["status"] != "RUNNING")
        return self.describe(job_id)

    def wait_for_token(self, job_id: str, awaiting: ExportJobStatus) -> None:
        """Until the execution waits for the job to leave `awaiting`, its task token stored on the job."""

        def stored() -> bool:
            token = self.jobs.task_token(UUID(job_id))
            return token is not None and token[1] is awaiting

        self.wait_until(f"job {job_id} has a task waiting while {awaiting.value}", stored)


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


def _running(sfn: Any, state_machine_arn: str) -> list[str]:
    executions = sfn.list_executions(stateMachineArn=state_machine_arn, statusFilter="RUNNING")["executions"]
    return [str(e["executionArn"]) for e in executions]


@cache
def _sfn() -> Any:
    return boto3.client("stepfunctions")


_provisioned: dict[str, ProvisionedStack] = {}


def _stack() -> ProvisionedStack:
    """Provisioned once per session (the definition does not depend on the limits, which travel in each
    execution's input); again if moto's state was reset meanwhile."""
    stack = _provisioned.get("stack")
    if stack is not None:
        try:
            _sfn().describe_state_machine(stateMachineArn=stack.state_machine_arn)
        except _sfn().exceptions.StateMachineDoesNotExist:
            stack = None
    if stack is None:
        stack = _provisioned["stack"] = provision(Settings())
    return stack


@pytest.fixture
def lifecycle(request: pytest.FixtureRequest, tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lifecycle]:
    """Jobs created through the handlers during the test get an ExportJobLifecycle execution."""
    marker = request.node.get_closest_marker("lifecycle")
    limits: dict[str, int] = {"expires_in": 60, "stuck_timeout": 60, **(marker.kwargs if marker else {})}
    # moto logs every error a state handles (timeouts, caught or retried errors), with the whole state.
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    with emulation_config():
        stack = _stack()
        monkeypatch.setenv("STATE_MACHINE_ARN", stack.state_machine_arn)
        monkeypatch.setenv("JOB_EXPIRES_IN_SECONDS", str(limits["expires_in"]))
        monkeypatch.setenv("JOB_STUCK_TIMEOUT_SECONDS", str(limits["stuck_timeout"]))
        get_settings.cache_clear()
        get_services.cache_clear()
        sfn = _sfn()
        try:
            yield Lifecycle(stack, sfn, JobsRepository(get_settings().required("jobs_table_name")))
        finally:
            # An execution left running would act on the next test's tables. moto's StopExecution does
            # not interrupt a waiting task (it ends at the task's timeout), so fail the wait instead.
            jobs = JobsRepository(get_settings().required("jobs_table_name"))
            for arn in _running(sfn, stack.state_machine_arn):
                stored = jobs.task_token(UUID(arn.rsplit(":", 1)[-1]))
                if stored is not None:
                    with contextlib.suppress(sfn.exceptions.ClientError):
                        sfn.send_task_failure(taskToken=stored[0], error="TestTeardown")
                sfn.stop_execution(executionArn=arn)
            get_settings.cache_clear()
            get_services.cache_clear()
