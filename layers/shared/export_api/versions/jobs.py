"""The published wire shapes of export jobs and their items, projected from the domain (models/jobs.py).

v0-v2 share `ExportJob`, `ExportJobItem` and `UpdateExportJobItem`; v3 has `ExportJobV3`, `ExportJobItemV3`
and `UpdateExportJobItemV3`, whose status and failure reasons are plain strings naming the enums, and whose
item failure reasons include the four "unknown mapping" reasons the older versions lack.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from pydantic import AwareDatetime, Field, field_validator

from export_api.models import jobs as domain
from export_api.models.base import ContractModel, ContractRequestModel, Uuid
from export_api.models.enums import (
    V3_ONLY_ITEM_FAILURE_REASONS,
    ExportJobFailureReasonType,
    ExportJobItemFailureReasonType,
    ExportJobItemStatus,
    ExportJobStatus,
)


def wire(model: ContractModel) -> dict[str, Any]:
    """A contract model's JSON body: absent optional values are left out, never `null` (docs/decisions.md)."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class _JobFields(ContractModel):
    id: UUID
    company_id: UUID
    created_at: datetime
    expires_in: int
    is_interactive: bool
    number_of_items: int
    vendor_based_bookkeeping: bool
    completed_at: datetime | None = None
    created_by: UUID | None = None
    expired_at: datetime | None = None
    failure_reason: str | None = None
    last_updated_at: datetime | None = None
    started_at: datetime | None = None


class ExportJob(_JobFields):
    """`ExportJob` (v0-v2)."""

    status: ExportJobStatus
    failure_reason_type: ExportJobFailureReasonType | None = None

    @classmethod
    def of(cls, job: domain.ExportJob) -> Self:
        # From the job's fields as a dict: reading them as attributes (`from_attributes`) costs three times more.
        return cls.model_validate(job.model_dump())


class ExportJobV3(_JobFields):
    """`ExportJobV3`: status and failure reason as the enums' names."""

    status: str
    failure_reason_type: str | None = None

    @classmethod
    def of(cls, job: domain.ExportJob) -> Self:
        return cls.model_validate(
            {
                **job.model_dump(exclude={"status", "failure_reason_type"}),
                "status": job.status.value,
                "failure_reason_type": job.failure_reason_type.value if job.failure_reason_type else None,
            }
        )


class _JobItemFields(ContractModel):
    accounting_entry_id: UUID
    export_job_id: UUID
    exported_at: datetime | None = None
    external_id: str | None = None
    external_url: str | None = None
    failure_reason: str | None = None


class ExportJobItem(_JobItemFields):
    """`ExportJobItem` (v0-v2): a v3-only failure reason shows as `missing_configuration` (docs/decisions.md)."""

    status: ExportJobItemStatus
    failure_reason_type: ExportJobItemFailureReasonType | None = None

    @classmethod
    def of(cls, item: domain.ExportJobItem) -> Self:
        reason = item.failure_reason_type
        return cls.model_validate(
            {**item.model_dump(exclude={"failure_reason_type"}), "failure_reason_type": reason and reason.before_v3}
        )


class ExportJobItemV3(_JobItemFields):
    """`ExportJobItemV3`."""

    status: str
    failure_reason_type: str | None = None

    @classmethod
    def of(cls, item: domain.ExportJobItem) -> Self:
        reason = item.failure_reason_type
        return cls.model_validate(
            {
                **item.model_dump(exclude={"status", "failure_reason_type"}),
                "status": item.status.value,
                "failure_reason_type": reason.value if reason else None,
            }
        )


class UpdateExportJobItemV3(ContractRequestModel):
    """`UpdateExportJobItemV3`: one element of a v3 PUT body."""

    accounting_entry_id: Uuid
    status: ExportJobItemStatus
    exported_at: AwareDatetime | None = None
    external_id: str | None = Field(default=None, max_length=1024)
    external_url: str | None = Field(default=None, max_length=2048)
    failure_reason: str | None = Field(default=None, max_length=2000)
    failure_reason_type: ExportJobItemFailureReasonType | None = None

    def to_domain(self) -> domain.UpdateExportJobItem:
        return domain.UpdateExportJobItem.model_validate(self.model_dump())


class UpdateExportJobItem(UpdateExportJobItemV3):
    """`UpdateExportJobItem` (v0-v2): the published enum has 14 failure reasons, without v3's four."""

    @field_validator("failure_reason_type")
    @classmethod
    def _published_before_v3(
        cls, reason: ExportJobItemFailureReasonType | None
    ) -> ExportJobItemFailureReasonType | None:
        if reason in V3_ONLY_ITEM_FAILURE_REASONS:
            raise ValueError(f"'{reason}' is a v3 failure reason; use /v3 to send it, or missing_configuration here")
        return reason


class SearchExportJobItemsRequest(ContractRequestModel):
    """`SearchExportJobItemsRequest` (v3, deprecated): the entries whose job items to find."""

    # More than MAX_SEARCHED_ENTRIES is refused by the service with a message that says so.
    accounting_entry_ids: list[Uuid] = Field(max_length=10_000)
    status: ExportJobItemStatus | None = None


@dataclass(frozen=True)
class JobShapes:
    """How a job and a job item of the domain look in a version, and the element of its PUT body."""

    job: Callable[[domain.ExportJob], ContractModel]
    job_item: Callable[[domain.ExportJobItem], ContractModel]
    item_update: type[UpdateExportJobItemV3]

    def job_body(self, job: domain.ExportJob) -> dict[str, Any]:
        return wire(self.job(job))

    def job_item_body(self, item: domain.ExportJobItem) -> dict[str, Any]:
        return wire(self.job_item(item))

    def item_update_body(self, update: domain.ExportJobItemUpdate) -> dict[str, Any]:
        """`ExportJobItemUpdate` / `ExportJobItemUpdateV3`: partial success of a PUT."""
        return {
            "data": [self.job_item_body(item) for item in update.data],
            "errors": [wire(error) for error in update.errors],
        }


#: The shapes of v0, v1 and v2, which all publish `ExportJob`.
EXPORT_JOB_SHAPES = JobShapes(ExportJob.of, ExportJobItem.of, UpdateExportJobItem)
#: v3's own shapes, `ExportJobV3`.
EXPORT_JOB_V3_SHAPES = JobShapes(ExportJobV3.of, ExportJobItemV3.of, UpdateExportJobItemV3)
