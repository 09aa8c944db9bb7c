"""1 (continued). The same operations with the job lifecycle on Step Functions, as deployed: moto runs
ExportJobLifecycle, its Task states call JobWorkflowFunction's handler in-process (export_api_local.stack).

A request's own calls are told from the workflow's (which run in moto's execution threads) by the
meter's context variable; the workflow's are counted with every thread, from the request that sets
it going until its wait is stored or its execution ends. Waiting polls moto's backends, not the API.
"""

import contextlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3
from export_api.services.container import get_services
from export_api.settings import Settings, get_settings

from benchmarks.access import SECTION, describe
from benchmarks.api import Answer, request
from benchmarks.config import Sizes
from benchmarks.data import Company
from benchmarks.meter import Figures, Meter
from benchmarks.report import Row, verdict
from export_api_local.stack import ProvisionedStack, emulation_config, provision

WAIT_SECONDS = 60.0


@contextmanager
def lifecycle_on_step_functions() -> Iterator[ProvisionedStack]:
    """ExportJobLifecycle provisioned in moto, and this process's handlers configured to use it."""
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with emulation_config():
        # A day: a job made at a section's start (the cold start section runs for many minutes on a busy
        # machine) is still open at its end; no section measures expiry.
        stack = provision(Settings(job_expires_in_seconds=86_400, job_stuck_timeout_seconds=86_400))
        saved = {name: os.environ.get(name) for name in stack.environment()}
        os.environ.update(stack.environment())
        get_settings.cache_clear()
        get_services.cache_clear()
        try:
            yield stack
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            get_settings.cache_clear()
            get_services.cache_clear()


def end_executions(stack: ProvisionedStack, meter: Meter) -> None:
    """Before a section's tables go: stop every running execution of the state machine once it has caught
    up with its job (waits, its task token stored, for the job to leave the status it is in), so that
    nothing it does falls into the next section's measures; its pending wait is failed so its thread ends."""
    lookup = meter.lookup
    assert lookup is not None
    jobs_table = get_settings().required("jobs_table_name")
    with meter.ignored():
        sfn = boto3.client("stepfunctions", region_name=stack.region)

        def running() -> list[str]:
            pages = sfn.get_paginator("list_executions").paginate(
                stateMachineArn=stack.state_machine_arn, statusFilter="RUNNING"
            )
            return [str(execution["executionArn"]) for page in pages for execution in page["executions"]]

        def waiting(arn: str) -> Mapping[str, Any] | None:
            job = lookup(jobs_table, {"pk": {"S": f"JOB#{arn.rsplit(':', 1)[-1]}"}})
            if job is None or "workflowTaskToken" not in job:
                return None
            return job if job["workflowAwaiting"] == job["status"] else None

        # Bounded: an execution still busy then is stopped all the same (the section's figures are taken).
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and not all(waiting(arn) for arn in running()):
            time.sleep(0.01)
        for arn in running():
            job = waiting(arn)
            with contextlib.suppress(sfn.exceptions.ClientError):
                sfn.stop_execution(executionArn=arn)
            if job is not None:
                with contextlib.suppress(sfn.exceptions.ClientError):
                    sfn.send_task_failure(taskToken=job["workflowTaskToken"]["S"], error="SectionEnded")


def _row(case: str, minimum: int, others: dict[str, int], why: str, figures: Figures) -> Row:
    # lambda:Invoke is moto's Step Functions calling the workflow function (resumed by SendTaskSuccess),
    # not a request of the API's.
    figures = Figures([c for c in figures.calls if c.service != "lambda"])
    requests = figures.requests()
    other = {k: v for k, v in figures.as_dict()["other_requests"].items() if k.startswith("sfn:")}
    expected_others = {f"sfn:{k}": v for k, v in others.items()}
    return Row(
        section=SECTION,
        case=case,
        measured=describe(figures),
        reference=f"min {minimum}" + "".join(f" +{v} {k}" for k, v in others.items()),
        ratio=requests / minimum,
        goal="≤ min",
        verdict=verdict(requests <= minimum and other == expected_others and figures.scans == 0),
        details={"minimum": minimum, "why": why, **figures.as_dict()},
    )


def run(meter: Meter, sizes: Sizes, stack: ProvisionedStack) -> list[Row]:
    settings = get_settings()
    lookup = meter.lookup
    assert lookup is not None
    sfn = boto3.client("stepfunctions", region_name=stack.region)

    def awaiting(job_id: str) -> str | None:
        job = lookup(settings.required("jobs_table_name"), {"pk": {"S": f"JOB#{job_id}"}}) or {}
        return str(job["workflowAwaiting"]["S"]) if "workflowAwaiting" in job else None

    def ended(job_id: str) -> bool:
        with meter.ignored():
            return bool(sfn.describe_execution(executionArn=stack.execution_arn(job_id))["status"] != "RUNNING")

    def wait(what: str, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the workflow did not get there: {what}")
            time.sleep(0.01)

    def workflow_part(everything: Figures, own: Figures) -> Figures:
        mine = {id(c) for c in own.calls}
        return Figures([c for c in everything.calls if id(c) not in mine])

    n = sizes.put_items
    company = Company.through_api(n)
    me = company.identity
    rows = []

    def create() -> tuple[str, Figures, Figures]:
        with meter.measure(every_thread=True) as everything:
            with meter.measure() as own:
                answer = request(
                    "POST",
                    "/v1/export-jobs",
                    me,
                    body={"companyId": company.company_id, "accountingEntryIds": company.entry_ids},
                )
            job_id = str(answer.body["data"]["id"])
            wait("AwaitStart stores its task token", lambda: awaiting(job_id) == "pending")
        return job_id, own, workflow_part(everything, own)

    def event(job_id: str, kind: str) -> tuple[Answer, Figures]:
        with meter.measure() as own:
            answer = request("POST", "/v3/export-job-events", me, body={"jobId": job_id, "event": kind})
        if answer.status != 202:
            raise AssertionError(f"{kind}: {answer.status} {answer.body}")
        return answer, own

    reads, writes = math.ceil(n / 100), math.ceil(n / 25)
    job_id, own, awaiting_start = create()
    rows.append(
        _row(
            f"POST /v1/export-jobs ({n} entries), Step Functions",
            reads + 1 + writes + 1,
            {"StartExecution": 1},
            f"{reads} BatchGetItem (entries) + 1 GetItem (company: no unfinished job) + {writes} BatchWriteItem "
            "(job items) + 1 TransactWriteItems (job + company claim); + StartExecution once all is written",
            own,
        )
    )
    rows.append(
        _row(
            "workflow: AwaitStart",
            1,
            {},
            "1 UpdateItem (store the task token); the items were written by the creation",
            awaiting_start,
        )
    )
    _, started = event(job_id, "started")
    rows.append(
        _row(
            "POST /v3/export-job-events (started), Step Functions",
            2,
            {"SendTaskSuccess": 1},
            "1 GetItem (job, with the waiting task's token) + 1 TransactWriteItems; + SendTaskSuccess",
            started,
        )
    )
    wait("AwaitFinish stores its task token", lambda: awaiting(job_id) == "in_progress")
    with meter.measure(every_thread=True) as everything:
        _, completed = event(job_id, "completed")
        wait("the execution ends", lambda: ended(job_id))
    rows.append(
        _row(
            "POST /v3/export-job-events (completed), Step Functions",
            2,
            {"SendTaskSuccess": 1},
            "1 GetItem (job, with the task token) + 1 TransactWriteItems; + SendTaskSuccess",
            completed,
        )
    )
    finalize = workflow_part(everything, completed)
    rows.append(
        _row(
            "workflow: Finalize (completed job)",
            2,
            {},
            "1 GetItem (job) + 1 UpdateItem (finalizedAt; the token removed)",
            finalize,
        )
    )

    rows.append(_transitions(sfn, stack.execution_arn(job_id), "completed", 9))

    failing, _, _ = create()
    event(failing, "started")
    wait("AwaitFinish stores its task token", lambda: awaiting(failing) == "in_progress")
    with meter.measure(every_thread=True) as everything:
        _, failed = event(failing, "failed")
        wait("the execution ends", lambda: ended(failing))
    batches = math.ceil(n / 99)
    rows.append(
        _row(
            f"workflow: Finalize (failed job, {n} items left)",
            1 + 2 * batches + 1 + 1,
            {},
            f"1 GetItem (job, its counters: how many are left) + per 99 items 1 Query (byJobStatus) + "
            f"1 TransactWriteItems ({batches}), 1 UpdateItem (finalizedAt), 1 GetItem (the counters as "
            "abandoning left them, for the execution's output)",
            workflow_part(everything, failed),
        )
    )
    rows.append(_transitions(sfn, stack.execution_arn(failing), "failed after starting", 9))
    return rows


def states_entered(sfn: Any, execution_arn: str) -> list[str]:
    """States entered by a job's execution: what a STANDARD workflow bills (docs/workflow.md, Cost)."""
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]


def _transitions(sfn: Any, execution_arn: str, outcome: str, minimum: int) -> Row:
    states = states_entered(sfn, execution_arn)
    return Row(
        section=SECTION,
        case=f"workflow: state transitions per job ({outcome})",
        measured=f"{len(states)} transitions",
        reference=f"min {minimum}",
        ratio=len(states) / minimum,
        goal="≤ min",
        verdict=verdict(len(states) <= minimum),
        details={
            "minimum": minimum,
            "states": states,
            "why": "AwaitStart, JobStatus, AwaitFinish, Finalize, JobOutcome, end; and the webhook states "
            "PublishCreated, PublishEvents (started), PublishClosed",
        },
    )
