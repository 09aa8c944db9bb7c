"""The steps of a job's lifecycle execution (statemachine/export_job.asl.json), run by JobWorkflowFunction.

Every step is safe to run twice: Step Functions retries a failed Lambda invocation, and a retry must
neither duplicate items nor undo what a client did meanwhile.
"""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from export_api.errors import ExportApiError
from export_api.models.enums import (
    ExportJobEventType,
    ExportJobFailureReasonType,
    ExportJobStatus,
)
from export_api.models.jobs import CreateExportJobEvent, ExportJob, JobDeadline
from export_api.models.workflow import (
    AwaitEventStep,
    AwaitOutcome,
    CheckDeadlineStep,
    FinalizeJobStep,
    FinalizeProgress,
    PublishedEvents,
    PublishEventsStep,
    WorkflowStep,
)
from export_api.observability import record_job_expired
from export_api.repositories.items import ItemsRepository
from export_api.repositories.jobs import JobsRepository
from export_api.repositories.stepfunctions import TaskTokenGone
from export_api.repositories.transactions import TransactionConflict
from export_api.services.job_items import WRITE_ATTEMPTS, JobItemsService
from export_api.services.lifecycle import (
    deadline_of,
    expires_at,
    next_status,
    times_out_at,
    transition_changes,
)

if TYPE_CHECKING:
    # A protocol, for annotations only: its module (webhook messages and their models) is not imported.
    from export_api.services.webhook_events import JobEventPublisher

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
        publisher: "JobEventPublisher | None" = None,
    ) -> None:
        self.jobs = jobs
        self.items = items
        self.callbacks = callbacks
        self.abandon_batches_per_call = abandon_batches_per_call
        # Webhooks: None where no delivery queue is configured (nothing is announced).
        self.publisher = publisher

    def run(self, step: WorkflowStep) -> dict[str, Any]:
        """Run one step; its result is the Task state's result (camelCase JSON)."""
        result: AwaitOutcome | JobDeadline | FinalizeProgress | PublishedEvents
        if isinstance(step, PublishEventsStep):
            result = self.publish_events(step.job_id)
        elif isinstance(step, AwaitEventStep):
            result = self.await_event(step.job_id, step.while_status, step.task_token, step.stuck_timeout_seconds)
        elif isinstance(step, CheckDeadlineStep):
            result = self.check_deadline(step.job_id, step.stuck_timeout_seconds)
        else:
            assert isinstance(step, FinalizeJobStep)
            result = self.finalize_job(step.job_id)
        return result.model_dump(mode="json", by_alias=True, exclude_none=True)

    def _load(self, job_id: UUID) -> ExportJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise WorkflowStepFailed(f"Export job {job_id} does not exist.")
        return job

    # PublishCreated / PublishEvents --------------------------------------------------------------

    def publish_events(self, job_id: UUID) -> PublishedEvents:
        """Queue webhook messages for the job's transitions not announced yet (services/webhook_events.py)."""
        if self.publisher is None:
            return PublishedEvents(queued=0)
        return PublishedEvents(queued=self.publisher.publish(self._load(job_id)))

    # AwaitStart / AwaitFinish -------------------------------------------------------------------

    def await_event(
        self, job_id: UUID, while_status: ExportJobStatus, token: str, stuck_timeout_seconds: int
    ) -> AwaitOutcome:
        """Store the waiting task's token on the job, or complete the task if the job moved on first.

        Race-free with the events service: both write conditionally on the job's status, so either the
        token is stored before the event's transition (which then reads it and resumes the task), or
        the transition came first and this step resumes the task.
        """
        if self.jobs.store_task_token(job_id, token, while_status):
            return AwaitOutcome(token_stored=True, status=while_status)
        job = self._load(job_id)
        outcome = deadline_of(job, stuck_timeout_seconds)
        try:
            self.callbacks.send_task_success(token, outcome.model_dump(mode="json", by_alias=True))
        except TaskTokenGone:
            # Only when the task timed out meanwhile: its Catch re-reads the job.
            logger.warning("Task of job %s ended before it could be completed", job_id)
        return AwaitOutcome(token_stored=False, status=job.status)

    # CheckDeadline ------------------------------------------------------------------------------

    def check_deadline(self, job_id: UUID, stuck_timeout_seconds: int) -> JobDeadline:
        """A wait timed out. A job acted on since has a later deadline: wait again, for what is left.
        Otherwise a job left alone for `expiresIn` (pending or in progress) fails with `job_expired`,
        and one started longer ago than the stuck limit with `service_timeout`.

        The failure is conditioned on the job being as read (status, task token, `lastUpdatedAt`): an
        event or an item update that comes first wins, and the job is read again.
        """
        for _ in range(WRITE_ATTEMPTS):
            job = self._load(job_id)
            now = _now()
            timeout = times_out_at(job, stuck_timeout_seconds)
            if not job.status.is_open:
                return deadline_of(job, stuck_timeout_seconds)
            if expires_at(job) <= now:
                reason_type = ExportJobFailureReasonType.JOB_EXPIRED
                reason = f"The export job was left without any action for {job.expires_in} seconds (expiresIn)."
            elif timeout is not None and timeout <= now:
                reason_type = ExportJobFailureReasonType.SERVICE_TIMEOUT
                reason = f"The export job got no closing event within {stuck_timeout_seconds} seconds of being started."
            else:
                return deadline_of(job, stuck_timeout_seconds)
            event = CreateExportJobEvent(
                event=ExportJobEventType.FAILED, job_id=job.id, failure_reason=reason, failure_reason_type=reason_type
            )
            to_status = next_status(job.status, event.event)
            changes = transition_changes(event, to_status, now)
            expired = reason_type is ExportJobFailureReasonType.JOB_EXPIRED
            if expired:
                changes["expiredAt"] = now.isoformat()
            try:
                self.jobs.transition(job, to_status, now, changes, untouched=expired)
            except TransactionConflict:
                continue
            record_job_expired(reason_type.value)
            return JobDeadline(status=to_status, seconds_left=0)
        raise TransientStepError(f"Export job {job_id} kept changing while checking its deadline.")

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
        """Abandon up to `abandon_batches_per_call` transactions of unfinished items; True when none are left.

        `job` was read once it failed: its counters bound how many are left. When more are left than one
        call abandons, the next Finalize reads the job, and its counters, again.
        """
        left = job.item_counts.unfinished
        batches = self.abandon_batches_per_call or ABANDON_BATCHES_PER_CALL
        return JobItemsService(self.items, self.jobs).abandon_unfinished(job, left, batches) == 0
