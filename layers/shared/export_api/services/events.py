"""Export job events: one conditional write per transition, then the workflow is resumed."""

from datetime import UTC, datetime
from typing import Any

from export_api.errors import ExportApiError, InvalidExportJobStatusChange
from export_api.models.caller import Caller, Scope
from export_api.models.enums import ExportJobStatus
from export_api.models.jobs import CreateExportJobEvent, ExportJob
from export_api.observability import bind_job, get_logger, record_event_rejected, record_job_closed, record_job_started
from export_api.repositories.transactions import TransactionConflict
from export_api.services.job_items import WRITE_ATTEMPTS
from export_api.services.jobs import ExportJobsService
from export_api.services.lifecycle import next_status, transition_changes


class ExportJobEventsService:
    def __init__(self, jobs: ExportJobsService) -> None:
        self.jobs = jobs

    def apply(self, caller: Caller, event: CreateExportJobEvent) -> ExportJob:
        bind_job(event.job_id)
        try:
            moved = self._apply(caller, event)
        except ExportApiError as error:
            record_event_rejected(error.error_type)
            get_logger().info(
                "export job event rejected",
                extra={"event": event.event.value, "reason": error.error_type, "detail": error.message},
            )
            raise
        return moved

    def _apply(self, caller: Caller, event: CreateExportJobEvent) -> ExportJob:
        caller.require(Scope.EXPORT_JOBS_WRITE)
        job = self.jobs.get(caller, event.job_id)
        for _ in range(WRITE_ATTEMPTS):
            to_status = next_status(job.status, event.event)
            now = datetime.now(UTC)
            changes = transition_changes(event, to_status, now)
            try:
                # The write's condition is "status is still what we read": of concurrent events, one wins.
                self.jobs.jobs.transition(job, to_status, now, changes)
            except TransactionConflict:
                job = self.jobs.load(job.id)
                continue
            _applied(event, job.status, to_status)
            # The write's condition held: the job is as read, moved by exactly these fields (no re-read).
            moved = _moved(job, to_status, now, changes)
            self.jobs.workflow.job_event_applied(moved)
            return moved
        raise InvalidExportJobStatusChange("Export Job status change failed: the job kept changing; retry.")


def _moved(job: ExportJob, to_status: ExportJobStatus, now: datetime, changes: dict[str, Any]) -> ExportJob:
    """The job as `JobsRepository.transition` leaves it."""
    fields = {**job.model_dump(by_alias=True), **{k: v for k, v in changes.items() if v is not None}}
    fields.update(status=to_status, lastUpdatedAt=now)
    moved = ExportJob.model_validate(fields)
    # Fields left out of dumps (counters, the workflow's task token) are as read.
    return job.model_copy(
        update={name: getattr(moved, name) for name, f in ExportJob.model_fields.items() if not f.exclude}
    )


def _applied(event: CreateExportJobEvent, from_status: ExportJobStatus, to_status: ExportJobStatus) -> None:
    if to_status is ExportJobStatus.IN_PROGRESS:
        record_job_started()
    elif not to_status.is_open:
        record_job_closed(to_status)
    get_logger().info(
        "export job event applied",
        extra={"event": event.event.value, "from_status": from_status.value, "status": to_status.value},
    )
