"""Admin: every company's export jobs and their items, for operators (docs/admin-api.openapi.yaml)."""

from uuid import UUID

from export_api.models.caller import Caller, Scope
from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import ExportJob, ExportJobItem
from export_api.repositories.paging import Page, PageRequest
from export_api.services.jobs import ExportJobsService


class AdminJobsService:
    def __init__(self, jobs: ExportJobsService) -> None:
        self.jobs = jobs

    def list(
        self, caller: Caller, company_id: UUID | None, statuses: set[ExportJobStatus], request: PageRequest
    ) -> tuple[Page[ExportJob], int | None]:
        """One company's jobs with their total, or every company's (no total: counters are per company)."""
        caller.require(Scope.ADMIN)
        if company_id is not None:
            return self.jobs.jobs.list(company_id, statuses, request), self.jobs.jobs.count(company_id, statuses)
        return self.jobs.jobs.list_all(statuses, request), None

    def get(self, caller: Caller, job_id: UUID) -> ExportJob:
        caller.require(Scope.ADMIN)
        return self.jobs.load(job_id)

    def list_items(
        self, caller: Caller, job_id: UUID, status: ExportJobItemStatus | None, request: PageRequest
    ) -> tuple[Page[ExportJobItem], int]:
        caller.require(Scope.ADMIN)
        return self.jobs.job_items.list(self.jobs.load(job_id), status, request)
