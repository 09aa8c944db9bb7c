from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from export_api.models.base import ContractModel
from export_api.models.enums import (
    ExportJobFailureReasonType,
    ExportJobItemFailureReasonType,
    ExportJobItemStatus,
    ExportJobStatus,
)

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
    # The rest of an item batch whose first transaction committed (ItemsRepository.replace_job_items): not
    # applied yet only if its writer died; whoever reads the job next applies it. Never in a response.
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
