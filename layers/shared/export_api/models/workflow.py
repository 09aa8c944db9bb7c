"""A job's lifecycle execution as the Step Functions console shows it, and what reconciling did."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field

from export_api.models.base import ContractModel
from export_api.models.enums import ExportJobStatus
from export_api.models.jobs import ItemCounts


class ExecutionEvent(ContractModel):
    """One entry of the execution's history (GetExecutionHistory), with the state it belongs to."""

    id: int
    type: str
    timestamp: datetime
    previous_event_id: int | None = None
    # The state the event belongs to: named by StateEntered/StateExited, implied for task events.
    state_name: str | None = None
    # The event's `...EventDetails` object as Step Functions reports it (input, output, error, cause...).
    details: dict[str, Any] | None = None


class JobExecution(ContractModel):
    """The execution named after a job: status, timings and history."""

    job_id: UUID
    execution_arn: str
    state_machine_arn: str
    status: str
    start_date: datetime
    stop_date: datetime | None = None
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    # States entered so far: what Step Functions (STANDARD) bills as state transitions.
    state_transitions: int
    # The state the execution is in while RUNNING.
    current_state: str | None = None
    events: list[ExecutionEvent]


class ReconcileAction(StrEnum):
    STARTED_EXECUTION = "started_execution"
    RESUMED_WAIT = "resumed_wait"
    NOTHING_TO_DO = "nothing_to_do"
    DIVERGED = "diverged"


class ReconcileOutcome(ContractModel):
    """What reconciling a job with its execution found and did."""

    job_id: UUID
    job_status: ExportJobStatus
    execution_status: str | None = None
    action: ReconcileAction
    message: str


# The steps of statemachine/export_job.asl.json: what each Task state sends JobWorkflowFunction ------


class AwaitEventStep(ContractModel):
    action: Literal["await_event"]
    job_id: UUID
    # The status the job is in while the task waits; the task ends when the job leaves it.
    while_status: ExportJobStatus
    task_token: str = Field(min_length=1)
    # The execution's stuck limit: the next wait's length, when this step resumes its own task.
    stuck_timeout_seconds: int = Field(ge=1)


class CheckDeadlineStep(ContractModel):
    """A wait timed out: the job was touched since (wait again), or its deadline has passed (fail it)."""

    action: Literal["check_deadline"]
    job_id: UUID
    stuck_timeout_seconds: int = Field(ge=1)


class FinalizeJobStep(ContractModel):
    action: Literal["finalize_job"]
    job_id: UUID


WorkflowStep = Annotated[
    AwaitEventStep | CheckDeadlineStep | FinalizeJobStep,
    Field(discriminator="action"),
]


class JobDeadline(ContractModel):
    """The job's status, and how long the next wait may last (the waits' TimeoutSecondsPath): what
    resumes a wait (an event's SendTaskSuccess output) and what CheckDeadline returns."""

    status: ExportJobStatus
    # Seconds until the job's deadline (at least 1); 0 for a closed job, which no wait follows.
    seconds_left: int = Field(ge=0)


class AwaitOutcome(ContractModel):
    # False: the job had already left the awaited status, and the step completed the task itself.
    token_stored: bool
    status: ExportJobStatus


class FinalizeProgress(ContractModel):
    # The Finalize state's output replaces the execution state: the loop needs the job id.
    job_id: UUID
    done: bool
    status: ExportJobStatus
    # Always set for a failed job: the Fail state's ErrorPath/CausePath read them.
    failure_reason_type: str | None = None
    failure_reason: str | None = None
    item_counts: ItemCounts
    started_at: datetime | None = None
    completed_at: datetime | None = None
    expired_at: datetime | None = None
    finalized_at: datetime | None = None
