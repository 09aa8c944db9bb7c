"""What the Task states of statemachine/export_job.asl.json send JobWorkflowFunction, and what each step
returns (the wait's resume payload, `JobDeadline`, is models/jobs.py)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from export_api.models.base import ContractModel
from export_api.models.enums import ExportJobStatus
from export_api.models.jobs import ItemCounts


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


class PublishEventsStep(ContractModel):
    """Announce the job's transitions to webhook subscribers (PublishCreated, PublishEvents)."""

    action: Literal["publish_events"]
    job_id: UUID


WorkflowStep = Annotated[
    AwaitEventStep | CheckDeadlineStep | FinalizeJobStep | PublishEventsStep,
    Field(discriminator="action"),
]


class PublishedEvents(ContractModel):
    # Webhook messages queued by this step (0 when there was nothing new to announce).
    queued: int


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
