"""An event on a job (its request body), and the deadline the job's workflow waits on.

Apart from the job (models/jobs.py): the functions that close jobs (job events, export jobs, the workflow)
build these; export items never does, so it does not build them at its cold start.
"""

from pydantic import Field

from export_api.models.base import ContractModel, ContractRequestModel, Uuid
from export_api.models.enums import ExportJobEventType, ExportJobFailureReasonType, ExportJobStatus


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
