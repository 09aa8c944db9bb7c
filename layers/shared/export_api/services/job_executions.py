"""Admin: a job's lifecycle execution as the Step Functions console shows it, and reconciling the two."""

from uuid import UUID

from export_api.models.caller import Caller, Scope
from export_api.models.executions import JobExecution, ReconcileOutcome
from export_api.services.jobs import ExportJobsService


class JobExecutionsService:
    def __init__(self, jobs: ExportJobsService) -> None:
        self.jobs = jobs

    def trace(self, caller: Caller, job_id: UUID) -> JobExecution:
        caller.require(Scope.ADMIN)
        return self.jobs.workflow.execution(self.jobs.load(job_id))

    def reconcile(self, caller: Caller, job_id: UUID) -> ReconcileOutcome:
        caller.require(Scope.ADMIN)
        return self.jobs.workflow.reconcile(self.jobs.load(job_id))
