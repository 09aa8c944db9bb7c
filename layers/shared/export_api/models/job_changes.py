"""What callers send to create a job or to report its items' outcomes, and the answer to such a report.

Apart from the job (models/jobs.py): only the export jobs function creates jobs and takes item reports,
so export items and job events do not build these models at their cold start.
"""

from typing import Annotated
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, Field

from export_api.models.base import ContractModel, ContractRequestModel, Uuid
from export_api.models.enums import ExportJobItemFailureReasonType, ExportJobItemStatus
from export_api.models.jobs import ExportJobItem


def _web_address(value: str) -> str:
    # Shown to people as a link to the booking: a `javascript:` or `data:` address would run in their browser.
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ValueError("externalUrl must be an http or https address, such as https://erp.example.com/vouchers/1")
    return value


ExternalUrl = Annotated[str, Field(max_length=2048), AfterValidator(_web_address)]

# The largest job accepted: creation writes every job item before it answers (docs/workflow.md,
# "Creating a job"), 400 BatchWriteItem calls at 10,000 entries, well inside API Gateway's 29 s.
MAX_ENTRIES_PER_JOB = 10_000


class ExportJobOptions(ContractRequestModel):
    vendor_based_bookkeeping: bool | None = False


class CreateExportJob(ContractRequestModel):
    """`CreateExportJob` (POST /vN/export-jobs, every version)."""

    accounting_entry_ids: list[Uuid] = Field(min_length=1, max_length=MAX_ENTRIES_PER_JOB)
    company_id: Uuid
    employee_id: Uuid | None = None
    is_interactive: bool | None = True
    options: ExportJobOptions | None = None


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
    """`ExportJobItemUpdate`: partial success of a PUT (notes.md §3)."""

    data: list[ExportJobItem]
    errors: list[ExportJobItemUpdateError]
