"""The job lifecycle table of notes.md §2, and what each transition records."""

from datetime import datetime
from typing import Any

from export_api.errors import InvalidExportJobStatusChange
from export_api.models.enums import ExportJobEventType, ExportJobStatus
from export_api.models.jobs import CreateExportJobEvent

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
    """Fields an event sets on the job besides its status (notes.md §2, timestamps)."""
    changes: dict[str, Any] = {
        "failureReason": event.failure_reason,
        "failureReasonType": event.failure_reason_type.value if event.failure_reason_type else None,
    }
    if to_status is ExportJobStatus.IN_PROGRESS:
        changes["startedAt"] = now.isoformat()
    if not to_status.is_open:
        changes["completedAt"] = now.isoformat()
    return changes
