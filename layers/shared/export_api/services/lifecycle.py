"""The job lifecycle: which event moves a job out of which status, what each transition records, and a
job's deadline."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from export_api.errors import InvalidExportJobStatusChange
from export_api.models.enums import ExportJobEventType, ExportJobStatus
from export_api.models.jobs import CreateExportJobEvent, ExportJob, JobDeadline

TRANSITIONS: dict[tuple[ExportJobStatus, ExportJobEventType], ExportJobStatus] = {
    (ExportJobStatus.PENDING, ExportJobEventType.STARTED): ExportJobStatus.IN_PROGRESS,
    # A pending job may fail (e.g. pre-export validation, DES-PRE) but cannot finish unstarted.
    (ExportJobStatus.PENDING, ExportJobEventType.FAILED): ExportJobStatus.FAILED,
    (ExportJobStatus.IN_PROGRESS, ExportJobEventType.COMPLETED): ExportJobStatus.COMPLETED,
    (
        ExportJobStatus.IN_PROGRESS,
        ExportJobEventType.COMPLETED_WITH_ERRORS,
    ): ExportJobStatus.COMPLETED_WITH_ERRORS,
    (ExportJobStatus.IN_PROGRESS, ExportJobEventType.FAILED): ExportJobStatus.FAILED,
}


def next_status(current: ExportJobStatus, event: ExportJobEventType) -> ExportJobStatus:
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidExportJobStatusChange(
            f"Export Job status change failed: a {current.value} job cannot take the {event.value} event."
        ) from None


def transition_changes(event: CreateExportJobEvent, to_status: ExportJobStatus, now: datetime) -> dict[str, Any]:
    """Fields an event sets on the job besides its status: the failure reason it gives, `startedAt` when
    the job starts, `completedAt` when it closes."""
    changes: dict[str, Any] = {
        "failureReason": event.failure_reason,
        "failureReasonType": event.failure_reason_type.value if event.failure_reason_type else None,
    }
    if to_status is ExportJobStatus.IN_PROGRESS:
        changes["startedAt"] = now.isoformat()
    if not to_status.is_open:
        changes["completedAt"] = now.isoformat()
    return changes


def expires_at(job: ExportJob) -> datetime:
    """`expiresIn` counts from the job's last action (`lastUpdatedAt`): an event or an item update."""
    return (job.last_updated_at or job.created_at) + timedelta(seconds=job.expires_in)


def times_out_at(job: ExportJob, stuck_timeout_seconds: int) -> datetime | None:
    """A started job must close within the stuck limit of being started, however active it is."""
    if job.status is not ExportJobStatus.IN_PROGRESS or job.started_at is None:
        return None
    return job.started_at + timedelta(seconds=stuck_timeout_seconds)


def seconds_left(job: ExportJob, stuck_timeout_seconds: int, now: datetime) -> int:
    """How long the workflow may wait before looking at the job again: until its nearest deadline
    (at least a second: a wait state's timeout must be positive); 0 once the job is closed."""
    if not job.status.is_open:
        return 0
    deadline = expires_at(job)
    timeout = times_out_at(job, stuck_timeout_seconds)
    if timeout is not None:
        deadline = min(deadline, timeout)
    return max(1, math.ceil((deadline - now).total_seconds()))


def deadline_of(job: ExportJob, stuck_timeout_seconds: int) -> JobDeadline:
    """What resumes a wait: the job's status and how long the next wait may last."""
    return JobDeadline(status=job.status, seconds_left=seconds_left(job, stuck_timeout_seconds, datetime.now(UTC)))
