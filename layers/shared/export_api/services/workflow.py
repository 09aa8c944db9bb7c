"""The workflow port: what the job service asks of whatever drives a job's lifecycle.

That is a Step Functions execution per job (`StepFunctionsJobWorkflow`, docs/workflow.md), on AWS as
under the local emulator and the tests, which run the same state machine in moto.
"""

import logging
import random
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from export_api.errors import ExportApiError, NotFound
from export_api.models.executions import JobExecution, ReconcileAction, ReconcileOutcome
from export_api.models.jobs import ExportJob
from export_api.repositories.jobs import JobsRepository
from export_api.repositories.stepfunctions import (
    ExecutionNotFound,
    ExecutionsUnavailable,
    StepFunctionsRepository,
    TaskTokenGone,
)
from export_api.services.lifecycle import deadline_of

logger = logging.getLogger(__name__)

T = TypeVar("T")

RECONCILE_HINT = "reconcile it with POST /admin/export-jobs/{job_id}/execution/reconcile (docs/workflow.md)"


class JobExecutionNotFound(NotFound):
    pass


class WorkflowUnavailable(ExportApiError):
    status_code = 503
    error_type = "SERVICE_UNAVAILABLE"


class JobWorkflow(Protocol):
    def job_created(self, job: ExportJob) -> None:
        """A job was recorded as `pending`, with its items: start tracking its lifecycle."""

    def job_event_applied(self, job: ExportJob) -> None:
        """An event moved the job to `job.status`: resume whatever waits for it.

        Never raises for the workflow's sake: the event is recorded, and the API answer stands.
        """

    def execution(self, job: ExportJob) -> JobExecution:
        """The job's lifecycle execution with its history. Raises JobExecutionNotFound."""

    def reconcile(self, job: ExportJob) -> ReconcileOutcome:
        """Bring the job's execution in line with the job record (start it, or resume its wait)."""


class StepFunctionsJobWorkflow:
    """One execution of the ExportJobLifecycle state machine per job, named after the job id."""

    def __init__(
        self,
        executions: StepFunctionsRepository,
        jobs: JobsRepository,
        stuck_timeout_seconds: int,
        attempts: int = 3,
        backoff_seconds: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.executions = executions
        self.jobs = jobs
        self.stuck_timeout_seconds = stuck_timeout_seconds
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep

    def execution_input(self, job: ExportJob) -> dict[str, object]:
        """The execution's input: the job in brief (its items are in DynamoDB, written before it)."""
        return {
            "jobId": str(job.id),
            "companyId": str(job.company_id),
            "createdAt": job.created_at.isoformat(),
            "numberOfItems": job.number_of_items,
            # The limits are fixed when the job is made, and visible in the console.
            "limits": {"expiresInSeconds": job.expires_in, "stuckTimeoutSeconds": self.stuck_timeout_seconds},
            # What the waits read: the job's status and how long the next wait may last (TimeoutSecondsPath).
            "job": self._deadline(job),
        }

    def _deadline(self, job: ExportJob) -> dict[str, Any]:
        return deadline_of(job, self.stuck_timeout_seconds).model_dump(mode="json", by_alias=True)

    def _with_backoff(self, call: Callable[[], T]) -> T:
        """Retry calls Step Functions throttled or failed transiently, with jittered exponential backoff."""
        for attempt in range(self.attempts):
            try:
                return call()
            except ExecutionsUnavailable:
                if attempt == self.attempts - 1:
                    raise
                self.sleep(self.backoff_seconds * 2**attempt * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _start(self, job: ExportJob) -> None:
        self._with_backoff(lambda: self.executions.start_execution(str(job.id), self.execution_input(job)))

    def job_created(self, job: ExportJob) -> None:
        try:
            self._start(job)
        except Exception:
            # The job is recorded: answering an error would make the client create a second one.
            logger.exception("Export job %s has no execution yet; %s", job.id, RECONCILE_HINT.format(job_id=job.id))

    def job_event_applied(self, job: ExportJob) -> None:
        try:
            # The token read with the job: the event's write held only while it was still the stored one.
            token, awaiting = job.workflow_task_token, job.workflow_awaiting
            if token is None or awaiting is None:
                # No task waits yet: the next wait sees the job has moved on and completes itself.
                return
            if job.status is not awaiting:
                self._resume(job, token)
        except Exception:
            # The transition is recorded: the answer says so, whatever happens to the execution.
            logger.exception(
                "Export job %s: resuming its execution failed; %s", job.id, RECONCILE_HINT.format(job_id=job.id)
            )

    def _resume(self, job: ExportJob, token: str) -> bool:
        try:
            # The job was just acted on: the next wait lasts until its new deadline (no extra step).
            self._with_backoff(lambda: self.executions.send_task_success(token, self._deadline(job)))
        except TaskTokenGone:
            # That wait already ended (resumed, or timed out and then re-read the job): nothing waits on it.
            return False
        except ExecutionsUnavailable:
            logger.exception(
                "Export job %s is %s, but its execution could not be resumed; %s",
                job.id,
                job.status.value,
                RECONCILE_HINT.format(job_id=job.id),
            )
            return False
        return True

    def execution(self, job: ExportJob) -> JobExecution:
        try:
            return self.executions.job_execution(str(job.id))
        except ExecutionNotFound:
            raise JobExecutionNotFound(
                f"Job {job.id} has no execution; {RECONCILE_HINT.format(job_id=job.id)} to start one."
            ) from None
        except ExecutionsUnavailable as error:
            raise WorkflowUnavailable(f"Step Functions is unavailable: {error}") from None

    def reconcile(self, job: ExportJob) -> ReconcileOutcome:
        try:
            return self._reconcile(job)
        except ExecutionsUnavailable as error:
            raise WorkflowUnavailable(f"Step Functions is unavailable: {error}") from None

    def _reconcile(self, job: ExportJob) -> ReconcileOutcome:
        def outcome(action: ReconcileAction, message: str, execution_status: str | None) -> ReconcileOutcome:
            logger.info("Reconciled export job %s: %s (%s)", job.id, action.value, message)
            return ReconcileOutcome(
                job_id=job.id,
                job_status=job.status,
                execution_status=execution_status,
                action=action,
                message=message,
            )

        try:
            status = str(self.executions.describe_execution(str(job.id))["status"])
        except ExecutionNotFound:
            self._start(job)
            return outcome(ReconcileAction.STARTED_EXECUTION, "The job had no execution: started it.", "RUNNING")
        if status != "RUNNING":
            if job.status.is_open:
                return outcome(
                    ReconcileAction.DIVERGED,
                    f"The execution ended ({status}) while the job is still {job.status.value}: nothing drives "
                    "the job any more. Fail it with an event, or see docs/workflow.md.",
                    status,
                )
            return outcome(ReconcileAction.NOTHING_TO_DO, "The job is closed and its execution ended.", status)
        stored = self.jobs.task_token(job.id)
        if stored is not None and stored[1] is not job.status:
            token, awaiting = stored
            try:
                # Unavailable after the retries: 503, and the caller tries again later.
                self._with_backoff(lambda: self.executions.send_task_success(token, self._deadline(job)))
            except TaskTokenGone:
                return outcome(
                    ReconcileAction.NOTHING_TO_DO,
                    f"The wait for the job to leave {awaiting.value} has already ended; the execution re-reads "
                    "the job in its next step.",
                    status,
                )
            return outcome(
                ReconcileAction.RESUMED_WAIT,
                f"The execution waited for the job to leave {awaiting.value}; it is {job.status.value}: resumed it.",
                status,
            )
        return outcome(
            ReconcileAction.NOTHING_TO_DO,
            f"The execution is running and in step with the job ({job.status.value}).",
            status,
        )
