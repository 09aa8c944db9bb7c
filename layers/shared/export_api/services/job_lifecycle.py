"""The steps of a job's lifecycle execution (statemachine/export_job.asl.json), run by JobWorkflowFunction.

Every step is safe to run twice: Step Functions retries a failed Lambda invocation, and a retry must
neither duplicate items nor undo what a client did meanwhile.
"""

import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from export_api.errors import ExportApiError
from export_api.models.enums import (
    ExportJobEventType,
    ExportJobFailureReasonType,
    ExportJobStatus,
)
from export_api.models.jobs import CreateExportJobEvent, ExportJob
from export_api.models.workflow import (
    AwaitEventStep,
    AwaitOutcome,
    ExpireJobStep,
    FinalizeJobStep,
    FinalizeProgress,
    JobStatusResult,
    MaterializeItemsStep,
    MaterializeProgress,
    TimeOutJobStep,
    WorkflowStep,
)
from export_api.observability import record_job_expired
from export_api.repositories.items import ItemsRepository
from export_api.repositories.jobs import JobsRepository
from export_api.repositories.stepfunctions import TaskTokenGone
from export_api.repositories.transactions import TransactionConflict
from export_api.services.job_items import WRITE_ATTEMPTS, JobItemsService
from export_api.services.lifecycle import next_status, transition_changes

logger = logging.getLogger(__name__)

# Finalize abandons at most this many transactions of items per invocation (99 items each), then
# loops in the state machine: a 10,000-item job takes a few short invocations, not one long one.
ABANDON_BATCHES_PER_CALL = 20


class TaskCallbacks(Protocol):
    def send_task_success(self, token: str, output: Mapping[str, Any]) -> None:
        """Complete a waiting task; raises TaskTokenGone when it no longer waits."""


class WorkflowStepFailed(ExportApiError):
    """A step found the job in a state the workflow cannot continue from (a bug or a lost record)."""

    status_code = 500
    error_type = "WORKFLOW_STEP_FAILED"


class TransientStepError(Exception):
    """The step lost a race with concurrent writers too often; the state machine retries it."""


def _now() -> datetime:
    return datetime.now(UTC)


class JobLifecycleService:
    def __init__(
        self,
        jobs: JobsRepository,
        items: ItemsRepository,
        callbacks: TaskCallbacks,
        abandon_batches_per_call: int | None = None,
    ) -> None:
        self.jobs = jobs
        self.items = items
        self.callbacks = callbacks
        self.abandon_batches_per_call = abandon_batches_per_call

    def run(self, step: WorkflowStep) -> dict[str, Any]:
        """Run one step; its result is the Task state's result (camelCase JSON)."""
        result: MaterializeProgress | AwaitOutcome | JobStatusResult | FinalizeProgress
        if isinstance(step, MaterializeItemsStep):
            result = self.materialize_items(step.job_id, step.chunk)
        elif isinstance(step, AwaitEventStep):
            result = self.await_event(step.job_id, step.while_status, step.task_token)
        elif isinstance(step, ExpireJobStep):
            result = self.expire_job(step.job_id)
        elif isinstance(step, TimeOutJobStep):
            result = self.time_out_job(step.job_id, step.timeout_seconds)
        else:
            assert isinstance(step, FinalizeJobStep)
            result = self.finalize_job(step.job_id)
        return result.model_dump(mode="json", by_alias=True, exclude_none=True)

    def _load(self, job_id: UUID) -> ExportJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise WorkflowStepFailed(f"Export job {job_id} does not exist.")
        return job

    # MaterializeItems ---------------------------------------------------------------------------

    def materialize_items(self, job_id: UUID, chunk: int) -> MaterializeProgress:
        """Write the pending items and export item snapshots of one chunk of the job's entries.

        Items already there are skipped, not overwritten: on a retry, a client may already have
        updated some of them.
        """
        job = self._load(job_id)
        found = self.jobs.entry_ids(job.id, chunk)
        if found is None:
            raise WorkflowStepFailed(f"Export job {job_id} has no entry ids in chunk {chunk}.")
        entry_ids, chunk_count = found
        existing = self.items.get_job_items(job.id, entry_ids)
        missing = [e for e in entry_ids if e not in existing]
        if missing:
            entries = self.items.get_entries(job.company_id, missing)
            lost = [e for e in missing if e not in entries]
            if lost:
                raise WorkflowStepFailed(f"Export job {job_id}: accounting entries {lost[:5]} no longer exist.")
            self.items.materialize(job.id, [entries[e] for e in missing])
        return MaterializeProgress(
            next_chunk=chunk + 1,
            done=chunk + 1 >= chunk_count,
            materialized=len(missing),
            seconds_to_expiry=self._seconds_to_expiry(job),
        )

    @staticmethod
    def _seconds_to_expiry(job: ExportJob) -> int:
        # expiresIn counts from the job's creation, not from the end of materialization.
        left = job.created_at.timestamp() + job.expires_in - _now().timestamp()
        return max(1, math.ceil(left))

    # AwaitStart / AwaitFinish -------------------------------------------------------------------

    def await_event(self, job_id: UUID, while_status: ExportJobStatus, token: str) -> AwaitOutcome:
        """Store the waiting task's token on the job, or complete the task if the job moved on first.

        Race-free with the events service: both write conditionally on the job's status, so either the
        token is stored before the event's transition (which then reads it and resumes the task), or
        the transition came first and this step resumes the task.
        """
        if self.jobs.store_task_token(job_id, token, while_status):
            return AwaitOutcome(token_stored=True, status=while_status)
        job = self._load(job_id)
        try:
            self.callbacks.send_task_success(token, {"status": job.status.value})
        except TaskTokenGone:
            # Only when the task timed out meanwhile: its Catch re-reads the job.
            logger.warning("Task of job %s ended before it could be completed", job_id)
        return AwaitOutcome(token_stored=False, status=job.status)

    # ExpireJob / TimeOutJob ---------------------------------------------------------------------

    def expire_job(self, job_id: UUID) -> JobStatusResult:
        """AwaitStart timed out: a job still pending fails with job_expired (notes.md §2, expiry)."""
        job = self._load(job_id)
        return self._fail_while(
            job,
            ExportJobStatus.PENDING,
            ExportJobFailureReasonType.JOB_EXPIRED,
            f"The export job was not started within {job.expires_in} seconds of its creation.",
            expired=True,
        )

    def time_out_job(self, job_id: UUID, timeout_seconds: int) -> JobStatusResult:
        """AwaitFinish timed out: a job still in progress fails with service_timeout."""
        return self._fail_while(
            self._load(job_id),
            ExportJobStatus.IN_PROGRESS,
            ExportJobFailureReasonType.SERVICE_TIMEOUT,
            f"The export job got no closing event within {timeout_seconds} seconds of being started.",
            expired=False,
        )

    def _fail_while(
        self,
        job: ExportJob,
        while_status: ExportJobStatus,
        reason_type: ExportJobFailureReasonType,
        reason: str,
        expired: bool,
    ) -> JobStatusResult:
        """Fail the job if it is still in `while_status`; otherwise the client's event won the race."""
        event = CreateExportJobEvent(
            event=ExportJobEventType.FAILED, job_id=job.id, failure_reason=reason, failure_reason_type=reason_type
        )
        for _ in range(WRITE_ATTEMPTS):
            if job.status is not while_status:
                return JobStatusResult(status=job.status)
            to_status = next_status(job.status, event.event)
            now = _now()
            changes = transition_changes(event, to_status, now)
            if expired:
                changes["expiredAt"] = now.isoformat()
            try:
                self.jobs.transition(job, to_status, now, changes)
            except TransactionConflict:
                job = self._load(job.id)
                continue
            record_job_expired(reason_type.value)
            return JobStatusResult(status=to_status)
        raise TransientStepError(f"Export job {job.id} kept changing while failing it with {reason_type.value}.")

    # Finalize -----------------------------------------------------------------------------------

    def finalize_job(self, job_id: UUID) -> FinalizeProgress:
        """On a failed job, abandon pending/in_progress items (some batches per call); then record the end."""
        job = self._load(job_id)
        if job.status.is_open:
            raise WorkflowStepFailed(f"Export job {job_id} is still {job.status.value}: it cannot be finalized.")
        abandons = job.status is ExportJobStatus.FAILED
        done = not abandons or self._abandon_unfinished(job)
        finalized_at = self.jobs.mark_finalized(job.id, _now()) if done else None
        if abandons:
            # Abandoning moved the counters; nothing else of a closed job changes, so no other re-read.
            job = self._load(job_id)
        failed = job.status is ExportJobStatus.FAILED
        return FinalizeProgress(
            job_id=job.id,
            done=done,
            status=job.status,
            failure_reason_type=(job.failure_reason_type.value if job.failure_reason_type else "failed")
            if failed
            else None,
            failure_reason=(job.failure_reason or "The export job failed.") if failed else None,
            item_counts=job.item_counts,
            started_at=job.started_at,
            completed_at=job.completed_at,
            expired_at=job.expired_at,
            finalized_at=finalized_at,
        )

    def _abandon_unfinished(self, job: ExportJob) -> bool:
        """Abandon up to `abandon_batches_per_call` transactions of unfinished items; True when none are left."""
        abandoning = JobItemsService(self.items)
        for _ in range(self.abandon_batches_per_call or ABANDON_BATCHES_PER_CALL):
            if abandoning.abandon_next_batch(job):
                return True
        return not self.items.unfinished_items(job.id, 1)
