"""An export job in the domain: the job and its items as stored and read, what a caller sends to create a
job, to report its items' outcomes or to move it on (an event), the answer to an item report, and the
deadline the job's workflow waits on.

Each version's wire shapes of these are export_api/versions/jobs.py.
"""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, Field

from export_api.models.base import ContractModel, ContractRequestModel, Uuid
from export_api.models.enums import (
    ExportJobEventType,
    ExportJobFailureReasonType,
    ExportJobItemFailureReasonType,
    ExportJobItemStatus,
    ExportJobStatus,
)

# The largest job accepted: creation writes every job item before it answers (docs/workflow.md,
# "Creating a job"), 400 BatchWriteItem calls at 10,000 entries, well inside API Gateway's 29 s.
MAX_ENTRIES_PER_JOB = 10_000
# The most items one PUT reports (more: 413 EXPORT_JOB_ITEMS_UPDATE_LIMIT, docs/decisions.md).
MAX_ITEMS_PER_UPDATE = 100


class ItemCounts(ContractModel):
    """How many of a job's items are in each status; kept on the job record, moved on every write."""

    pending: int = 0
    in_progress: int = 0
    failed: int = 0
    successful: int = 0
    abandoned: int = 0

    def of(self, status: ExportJobItemStatus) -> int:
        return int(getattr(self, status.value))

    @property
    def unfinished(self) -> int:
        """Items still `pending` or `in_progress`: what failing the job abandons."""
        return self.pending + self.in_progress


class ExportJob(ContractModel):
    """`ExportJob`: one job, shared by every version."""

    id: UUID
    company_id: UUID
    status: ExportJobStatus
    created_at: datetime
    expires_in: int
    is_interactive: bool
    number_of_items: int
    vendor_based_bookkeeping: bool
    completed_at: datetime | None = None
    created_by: UUID | None = None
    expired_at: datetime | None = None
    failure_reason: str | None = None
    failure_reason_type: ExportJobFailureReasonType | None = None
    last_updated_at: datetime | None = None
    started_at: datetime | None = None
    item_counts: ItemCounts = Field(default_factory=ItemCounts, exclude=True)
    # The lifecycle workflow's waiting task, as stored on the job (JobsRepository.store_task_token); never
    # in a response. An event resumes that task with the token it read the job with (no second read).
    workflow_task_token: str | None = Field(default=None, exclude=True, repr=False)
    workflow_awaiting: ExportJobStatus | None = Field(default=None, exclude=True)
    # The rest of an item batch whose first transaction committed (repositories/transactions.py,
    # Transactions.write): not applied yet only if its writer died; whoever reads the job next applies it.
    # Never in a response.
    pending_item_changes: dict[str, Any] | None = Field(default=None, exclude=True, repr=False)


class ExportJobItem(ContractModel):
    """`ExportJobItem`: the per-entry control record of a job."""

    accounting_entry_id: UUID
    export_job_id: UUID
    status: ExportJobItemStatus
    exported_at: datetime | None = None
    external_id: str | None = None
    external_url: str | None = None
    failure_reason: str | None = None
    failure_reason_type: ExportJobItemFailureReasonType | None = None
    # The job's company and creation time, stored on every item record for the items table's index by
    # company and entry (which job holds an entry, newest first). Never in a response.
    company_id: UUID | None = Field(default=None, exclude=True)
    job_created_at: datetime | None = Field(default=None, exclude=True)


class ExportJobOptions(ContractRequestModel):
    vendor_based_bookkeeping: bool | None = False


class CreateExportJob(ContractRequestModel):
    """`CreateExportJob` (POST /vN/export-jobs, every version)."""

    accounting_entry_ids: list[Uuid] = Field(min_length=1, max_length=MAX_ENTRIES_PER_JOB)
    company_id: Uuid
    employee_id: Uuid | None = None
    is_interactive: bool | None = True
    options: ExportJobOptions | None = None


def _web_address(value: str) -> str:
    # Shown to people as a link to the booking: a `javascript:` or `data:` address would run in their browser.
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ValueError("externalUrl must be an http or https address, such as https://erp.example.com/vouchers/1")
    return value


ExternalUrl = Annotated[str, Field(max_length=2048), AfterValidator(_web_address)]


class UpdateExportJobItem(ContractRequestModel):
    """One item's reported outcome, as the services take it (each version's PUT body converts to it)."""

    accounting_entry_id: Uuid
    status: ExportJobItemStatus
    exported_at: AwareDatetime | None = None
    external_id: str | None = Field(default=None, max_length=1024)
    external_url: ExternalUrl | None = None
    failure_reason: str | None = Field(default=None, max_length=2000)
    failure_reason_type: ExportJobItemFailureReasonType | None = None


class ExportJobItemUpdateError(ContractModel):
    accounting_entry_id: UUID
    message: str
    type: str


class ExportJobItemUpdate(ContractModel):
    """`ExportJobItemUpdate`: the answer to an item PUT, the items written and, for each item refused, why."""

    data: list[ExportJobItem]
    errors: list[ExportJobItemUpdateError]


class CreateExportJobEvent(ContractRequestModel):
    """`CreateExportJobEvent` (POST /export-job-events)."""

    event: ExportJobEventType
    job_id: Uuid
    failure_reason: str | None = Field(default=None, max_length=2000)
    failure_reason_type: ExportJobFailureReasonType | None = None


class JobDeadline(ContractModel):
    """The job's status, and how long the next wait may last (the waits' TimeoutSecondsPath): what
    resumes a wait (an event's SendTaskSuccess output) and what CheckDeadline returns."""

    status: ExportJobStatus
    # Seconds until the job's deadline (at least 1); 0 for a closed job, which no wait follows.
    seconds_left: int = Field(ge=0)
