"""Jobs' lifecycles in the tests: ExportJobLifecycle from template.yaml, provisioned in moto by
export_api_local.stack as `make run` does, one execution per job, its Task states running
JobWorkflowFunction's handler in-process (export_api_local.lambda_hook).

What the API answers is written before it answers; what an execution does afterwards (finalize a closed
job, announce its transitions to webhook subscribers, expire it) happens in moto's threads. A test that
needs one of those waits for it here: bounded, polling the execution, and failing with what it waited for.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any
from uuid import UUID

import boto3
from export_api.models.enums import ExportJobStatus
from export_api.repositories.jobs import JobsRepository
from export_api.settings import Settings

from export_api_local.lambda_hook import HOOK
from export_api_local.stack import ProvisionedStack, provision

# Generous: a lifecycle step takes milliseconds here; only a broken workflow gets near it.
WAIT_SECONDS = 20.0
_POLL_SECONDS = 0.01


_provisioned: list[ProvisionedStack] = []


def provision_lifecycle() -> ProvisionedStack:
    """The template's functions and state machine in the running moto mock (which must execute state
    machines: `mock_aws(config=export_api_local.stack.EMULATOR_CONFIG)`)."""
    # moto logs every error a state handles (timeouts, caught or retried errors), with the whole state.
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    _provisioned[:] = [provision(Settings())]
    return _provisioned[0]


_thread = threading.local()


def _mark_workflow_thread(logical_id: str, _event: Any) -> None:
    if logical_id == "JobWorkflowFunction":
        _thread.runs_workflow = True


@contextlib.contextmanager
def workflow_threads_marked() -> Iterator[None]:
    """While the block runs, each thread that runs JobWorkflowFunction's handler is marked as such
    (`in_workflow_lambda`). moto runs each state of an execution on a thread of its own."""
    with HOOK.intercept(_mark_workflow_thread):
        yield


def in_workflow_lambda() -> bool:
    """Whether this thread runs the workflow Lambda (a Task state of an execution), not a handler a test
    called: for tests that count what a request sends, which the executions' own requests are not part of."""
    return bool(getattr(_thread, "runs_workflow", False))


def provisioned_stack() -> ProvisionedStack:
    """What the session's provision_lifecycle() made."""
    assert _provisioned, "no state machine provisioned: the test needs the aws_mock fixture"
    return _provisioned[0]


@cache
def sfn() -> Any:
    """The Step Functions client of the tests (moto)."""
    return boto3.client("stepfunctions")


def execution_arn(job_id: str) -> str:
    """A job's execution is named after the job (StepFunctionsJobWorkflow)."""
    return provisioned_stack().execution_arn(job_id)


def _jobs() -> JobsRepository:
    # The environment as it is now (a test may have changed the settings the services cached).
    return JobsRepository(Settings().required("jobs_table_name"))


def describe(job_id: str) -> dict[str, Any]:
    description: dict[str, Any] = sfn().describe_execution(executionArn=execution_arn(job_id))
    return description


def history(job_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = sfn().get_execution_history(executionArn=execution_arn(job_id), maxResults=1000)[
        "events"
    ]
    return events


def states_entered(job_id: str, publish: bool = False) -> list[str]:
    """The states the execution entered, in order; the webhook Publish states only if `publish`."""
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in history(job_id)
        if e["type"].endswith("StateEntered")
        and (publish or not e["stateEnteredEventDetails"]["name"].startswith("Publish"))
    ]


def wait_until(what: str, condition: Callable[[], bool], timeout: float = WAIT_SECONDS) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting until {what}")
        time.sleep(_POLL_SECONDS)


def wait_until_ended(job_id: str, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
    """Until the job's execution has ended (a closed job: finalized, its closing announced); its description."""
    wait_until(f"the execution of job {job_id} has ended", lambda: describe(job_id)["status"] != "RUNNING", timeout)
    return describe(job_id)


def wait_for_token(job_id: str, awaiting: ExportJobStatus, timeout: float = WAIT_SECONDS) -> None:
    """Until the execution waits for the job to leave `awaiting`, its task token stored on the job."""
    jobs = _jobs()

    def stored() -> bool:
        token = jobs.task_token(UUID(job_id))
        return token is not None and token[1] is awaiting

    wait_until(f"job {job_id} has a task waiting while {awaiting.value}", stored, timeout)


def settled(job_id: str) -> bool:
    """Whether the job's execution has caught up with the job: it has ended, or it waits for the job to
    leave the status the job is in (so it has announced that status to webhook subscribers)."""
    if describe(job_id)["status"] != "RUNNING":
        return True
    job = _jobs().get(UUID(job_id))
    return job is not None and job.workflow_task_token is not None and job.workflow_awaiting is job.status


def wait_until_settled(job_id: str, timeout: float = WAIT_SECONDS) -> None:
    wait_until(f"the execution of job {job_id} has caught up with the job", lambda: settled(job_id), timeout)


def _running() -> list[str]:
    paginator = sfn().get_paginator("list_executions")
    return [
        str(execution["executionArn"])
        for page in paginator.paginate(stateMachineArn=provisioned_stack().state_machine_arn, statusFilter="RUNNING")
        for execution in page["executions"]
    ]


def wait_until_all_settled(timeout: float = WAIT_SECONDS) -> None:
    """Until every running execution has caught up with its job (see `settled`)."""

    def all_settled() -> bool:
        return all(settled(arn.rsplit(":", 1)[-1]) for arn in _running())

    wait_until("every job's execution has caught up with its job", all_settled, timeout)


def end_running_executions() -> None:
    """Stop every running execution, before the test's tables go: one left running would act on the next
    test's. A stopped execution's pending wait (moto ends it only at its timeout) is then failed, so that
    its thread ends too."""
    client = sfn()
    jobs = _jobs()
    running = _running()
    for arn in running:
        _stop(client, arn)
    for arn in running:
        stored = jobs.task_token(UUID(arn.rsplit(":", 1)[-1]))
        if stored is not None:
            with contextlib.suppress(client.exceptions.ClientError):
                client.send_task_failure(taskToken=stored[0], error="TestTeardown")


def _stop(client: Any, arn: str) -> None:
    # moto answers a StopExecution with an error while the execution's thread is still starting.
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            client.stop_execution(executionArn=arn)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(_POLL_SECONDS)
