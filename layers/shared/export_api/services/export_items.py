"""Export items: the accounting entries of an open job, as they were when the job was made."""

from uuid import UUID

from export_api.errors import ExportJobStatusUnprocessable, RequiredParameterMissing
from export_api.models.accounting_entries import AccountingEntry
from export_api.models.caller import Caller, Scope
from export_api.pagination import Page, PageRequest
from export_api.repositories.items import ItemsRepository
from export_api.services.jobs import ExportJobsService


class ExportItemsService:
    def __init__(self, jobs: ExportJobsService, items: ItemsRepository) -> None:
        self.jobs = jobs
        self.items = items

    def list(self, caller: Caller, job_id: UUID | None, request: PageRequest) -> tuple[Page[AccountingEntry], int]:
        caller.require(Scope.EXPORT_ITEMS_READ)
        if job_id is None:
            raise RequiredParameterMissing("Parameter job_id is required: export items are listed per export job.")
        job = self.jobs.get(caller, job_id)
        if not job.status.is_open:
            # Documented for v2 (SEED); one core, so every version answers the same (notes.md §2).
            raise ExportJobStatusUnprocessable()
        return self.items.list_export_items(job.id, request), job.number_of_items
