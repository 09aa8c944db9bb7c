"""A job's lifecycle execution as the Step Functions console shows it, and what reconciling did: the
admin API's views (`/admin/export-jobs/{jobId}/execution`, `:reconcile`) and the operator CLIs'."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from export_api.models.base import ContractModel
from export_api.models.enums import ExportJobStatus


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
