"""Export jobs: reading them for a caller, creating them, and their items."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from export_api.errors import AccountingEntriesNotFound, BadRequest, ExportAlreadyInProgress, ExportNotFound
from export_api.models.caller import Caller, Scope
from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import (
    CreateExportJob,
    ExportJob,
    ExportJobItem,
    ExportJobItemUpdate,
    ItemCounts,
    UpdateExportJobItem,
)
from export_api.observability import bind_job, get_logger, record_job_created
from export_api.repositories.items import ItemsRepository
from export_api.repositories.jobs import CompanyHasOpenJob, JobsRepository
from export_api.repositories.paging import Page, PageRequest
from export_api.repositories.transactions import TransactionConflict
from export_api.services.job_items import WRITE_ATTEMPTS, JobItemsService, backoff

if TYPE_CHECKING:
    from export_api.services.workflow import JobWorkflow

_MAX_IDS_IN_MESSAGE = 10


def _id_list(ids: Sequence[UUID]) -> str:
    shown = ", ".join(str(i) for i in ids[:_MAX_IDS_IN_MESSAGE])
    return shown + (f" and {len(ids) - _MAX_IDS_IN_MESSAGE} more" if len(ids) > _MAX_IDS_IN_MESSAGE else "")


class ExportJobsService:
    def __init__(
        self,
        jobs: JobsRepository,
        items: ItemsRepository,
        job_items: JobItemsService,
        workflow: "Callable[[], JobWorkflow]",
        job_expires_in_seconds: int,
    ) -> None:
        self.jobs = jobs
        self.items = items
        self.job_items = job_items
        # Asked for when first needed: reading jobs (export items, job lists) needs no workflow.
        self._workflow = workflow
        self.job_expires_in_seconds = job_expires_in_seconds

    @property
    def workflow(self) -> "JobWorkflow":
        return self._workflow()

    def _read(self, job_id: UUID, finish_pending: bool = True) -> ExportJob | None:
        bind_job(job_id)
        job = self.jobs.get(job_id)
        # An item batch's writer died between its transactions: finish the batch before anyone acts on
        # the job, so nobody sees half of it (Transactions.write).
        if finish_pending and job is not None and self.job_items.finish_pending(job):
            job = self.jobs.get(job_id)
        return job

    def load(self, job_id: UUID) -> ExportJob:
        job = self._read(job_id)
        if job is None:
            raise ExportNotFound()
        return job

    def get(self, caller: Caller, job_id: UUID, finish_pending: bool = True) -> ExportJob:
        """The job, if it is the caller's: another company's job is as unknown as a missing one.

        `finish_pending=False` for readers that use neither item statuses nor counters (export items): a
        half-applied item batch changes neither the job's status nor which entries it holds, and such a
        reader (ExportItemsFunction) has no write access to finish it."""
        job = self._read(job_id, finish_pending)
        if job is None or not caller.can_access(job.company_id):
            raise ExportNotFound()
        return job

    def read(self, caller: Caller, job_id: UUID) -> ExportJob:
        caller.require(Scope.EXPORT_JOBS_READ)
        return self.get(caller, job_id)

    def list(
        self,
        caller: Caller,
        company_id: UUID | None,
        statuses: set[ExportJobStatus],
        request: PageRequest,
    ) -> tuple[Page[ExportJob], int]:
        caller.require(Scope.EXPORT_JOBS_READ)
        company = caller.company(company_id)
        page = self.jobs.list(company, statuses, request)
        return page, self.jobs.count(company, statuses)

    def create(
        self, caller: Caller, request: "CreateExportJob", precondition: Callable[[UUID], object] | None = None
    ) -> ExportJob:
        """`precondition` is what the version asks of the company before a job (v3: contra accounts mapped)."""
        caller.require(Scope.EXPORT_JOBS_WRITE)
        company = caller.company(request.company_id, parameter="companyId")
        if precondition is not None:
            precondition(company)
        entry_ids = request.accounting_entry_ids
        duplicates = (
            sorted({e for e in entry_ids if entry_ids.count(e) > 1}) if len(set(entry_ids)) < len(entry_ids) else []
        )
        if duplicates:
            raise BadRequest(f"accountingEntryIds lists these ids more than once: {_id_list(duplicates)}.")
        existing = self.items.existing_entry_ids(company, entry_ids)
        missing = [e for e in entry_ids if e not in existing]
        if missing:
            raise AccountingEntriesNotFound(
                f"These accounting entries do not exist for company {company}: {_id_list(missing)}."
            )
        # Refused before writing anything when the company is busy (the transaction below decides races).
        if self.jobs.open_job_id(company) is not None:
            raise ExportAlreadyInProgress()
        now = datetime.now(UTC)
        job = ExportJob(
            id=uuid4(),
            company_id=company,
            status=ExportJobStatus.PENDING,
            created_at=now,
            last_updated_at=now,
            expires_in=self.job_expires_in_seconds,
            is_interactive=True if request.is_interactive is None else request.is_interactive,
            number_of_items=len(entry_ids),
            vendor_based_bookkeeping=bool(request.options and request.options.vendor_based_bookkeeping),
            created_by=request.employee_id,
            item_counts=ItemCounts(pending=len(entry_ids)),
        )
        bind_job(job.id)
        # No job is visible before its items are: the items first (unreachable without the job record),
        # then the job record, in one transaction with the company's claim on its one unfinished job.
        self.items.write_job_items(job.id, company, job.created_at, entry_ids)
        try:
            self._record(job)
        except CompanyHasOpenJob:
            # Another create for the company won meanwhile: this job never existed, nor do its items.
            self.items.delete_job_items(job.id, entry_ids)
            raise ExportAlreadyInProgress() from None
        except Exception:
            self.items.delete_job_items(job.id, entry_ids)
            raise
        self.workflow.job_created(job)
        record_job_created()
        get_logger().info(
            "export job created", extra={"company_id": str(company), "number_of_items": job.number_of_items}
        )
        return job

    def _record(self, job: ExportJob) -> None:
        """The job's transaction. DynamoDB cancels a transaction that collides with another on the same
        item (two creates for one company) without a condition failing: try again, and the condition
        then decides which one the company's unfinished job is."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self.jobs.create(job)
                return
            except TransactionConflict:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                backoff(attempt)

    def list_items(
        self, caller: Caller, job_id: UUID, status: ExportJobItemStatus | None, request: PageRequest
    ) -> tuple[Page[ExportJobItem], int]:
        caller.require(Scope.EXPORT_JOBS_READ)
        return self.job_items.list(self.get(caller, job_id), status, request)

    def update_items(
        self, caller: Caller, job_id: UUID, updates: Sequence["UpdateExportJobItem"]
    ) -> "ExportJobItemUpdate":
        caller.require(Scope.EXPORT_JOBS_WRITE)
        # The caller's companies condition the item writes (the job is read only if they are refused);
        # an admin, a credential of 100+ companies (a condition's IN list) or of none (an IN list cannot be
        # empty: the job is read, and is not found), has the job read first.
        conditioned = Scope.ADMIN.value not in caller.scopes and 0 < len(caller.company_ids) < 100
        owners = caller.company_ids if conditioned else None
        return self.job_items.update(job_id, updates, lambda: self.get(caller, job_id), owners)
