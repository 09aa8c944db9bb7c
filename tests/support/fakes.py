"""In-memory stand-ins for the repositories and the workflow, for the services' fast tests
(tests/unit/). Each keeps the promise its real counterpart documents (conditional writes refused with
TransactionConflict, a company's one unfinished job, counters moved with the items), nothing more: the
real ones are tested against DynamoDB (moto) by the API tests."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.executions import JobExecution, ReconcileOutcome
from export_api.models.jobs import ExportJob, ExportJobItem, ItemCounts
from export_api.repositories.items import ItemsRepository
from export_api.repositories.jobs import CompanyHasOpenJob, JobsRepository
from export_api.repositories.transactions import MAX_TRANSACTION_ACTIONS, TransactionConflict

OPEN = (ExportJobStatus.PENDING, ExportJobStatus.IN_PROGRESS)


def _counts_after(counts: ItemCounts, moves: Sequence[tuple[ExportJobItemStatus, ExportJobItemStatus]]) -> ItemCounts:
    values = counts.model_dump()
    for old, new in moves:
        values[old.value] -= 1
        values[new.value] += 1
    return ItemCounts(**values)


class FakeJobs:
    """JobsRepository's contract, in a dict."""

    def __init__(self) -> None:
        self.jobs: dict[UUID, ExportJob] = {}
        self.open_jobs: dict[UUID, UUID] = {}
        #: Transitions to refuse, as if another writer had moved the job first: job id -> the job it left.
        self.moved_meanwhile: dict[UUID, ExportJob] = {}

    def create(self, job: ExportJob) -> None:
        if job.company_id in self.open_jobs:
            raise CompanyHasOpenJob(str(job.company_id))
        self.jobs[job.id] = job
        self.open_jobs[job.company_id] = job.id

    def open_job_id(self, company_id: UUID) -> UUID | None:
        return self.open_jobs.get(company_id)

    def get(self, job_id: UUID) -> ExportJob | None:
        return self.jobs.get(job_id)

    def transition(
        self,
        job: ExportJob,
        to_status: ExportJobStatus,
        now: datetime,
        changes: dict[str, Any],
        untouched: bool = False,
    ) -> None:
        if job.id in self.moved_meanwhile:
            self.jobs[job.id] = self.moved_meanwhile.pop(job.id)
        stored = self.jobs[job.id]
        if stored.status is not job.status or stored.workflow_task_token != job.workflow_task_token:
            raise TransactionConflict([0])
        if untouched and stored.last_updated_at != job.last_updated_at:
            raise TransactionConflict([0])
        fields = {**stored.model_dump(by_alias=True), **{k: v for k, v in changes.items() if v is not None}}
        fields.update(status=to_status, lastUpdatedAt=now)
        moved = ExportJob.model_validate(fields)
        self.jobs[job.id] = stored.model_copy(
            update={name: getattr(moved, name) for name, f in ExportJob.model_fields.items() if not f.exclude}
        )
        if not to_status.is_open and self.open_jobs.get(job.company_id) == job.id:
            del self.open_jobs[job.company_id]

    def task_token(self, job_id: UUID) -> tuple[str, ExportJobStatus] | None:
        job = self.jobs[job_id]
        if job.workflow_task_token is None or job.workflow_awaiting is None:
            return None
        return job.workflow_task_token, job.workflow_awaiting

    def move_counts(
        self,
        job_id: UUID,
        moves: Sequence[tuple[ExportJobItemStatus, ExportJobItemStatus]],
        while_status: Collection[ExportJobStatus],
        companies: Collection[UUID] | None = None,
        touched_at: datetime | None = None,
    ) -> None:
        """The counters' part of an item transaction: refused unless the job is in `while_status` (and one
        of `companies`')."""
        job = self.jobs.get(job_id)
        if job is None or job.status not in while_status or (companies is not None and job.company_id not in companies):
            raise TransactionConflict([0])
        update: dict[str, Any] = {"item_counts": _counts_after(job.item_counts, moves)}
        if touched_at is not None:
            update["last_updated_at"] = touched_at
        self.jobs[job_id] = job.model_copy(update=update)

    def as_repository(self) -> JobsRepository:
        """Typed as the repository the services take (they call only what this class has)."""
        return cast(JobsRepository, self)


@dataclass
class FakeItems:
    """ItemsRepository's job item and entry contract, in dicts."""

    jobs: FakeJobs
    #: company id -> ids of its accounting entries
    entries: dict[UUID, set[UUID]] = field(default_factory=dict)
    #: job id -> entry id -> item
    items: dict[UUID, dict[UUID, ExportJobItem]] = field(default_factory=dict)
    transactions: int = 0

    def existing_entry_ids(self, company_id: UUID, entry_ids: Sequence[UUID]) -> set[UUID]:
        return self.entries.get(company_id, set()) & set(entry_ids)

    def write_job_items(self, job_id: UUID, company_id: UUID, created_at: datetime, entry_ids: Sequence[UUID]) -> None:
        self.items[job_id] = {
            entry_id: ExportJobItem(
                accounting_entry_id=entry_id,
                export_job_id=job_id,
                status=ExportJobItemStatus.PENDING,
                company_id=company_id,
                job_created_at=created_at,
            )
            for entry_id in entry_ids
        }

    def delete_job_items(self, job_id: UUID, entry_ids: Sequence[UUID]) -> None:
        for entry_id in entry_ids:
            self.items.get(job_id, {}).pop(entry_id, None)
        if not self.items.get(job_id):
            self.items.pop(job_id, None)

    def get_job_items(self, job_id: UUID, entry_ids: Sequence[UUID]) -> dict[UUID, ExportJobItem]:
        stored = self.items.get(job_id, {})
        return {e: stored[e] for e in entry_ids if e in stored}

    def complete_pending(self, job_id: UUID, journal: dict[str, Any] | None = None) -> bool:  # noqa: ARG002
        """Every batch here is written whole: none is ever left pending."""
        return False

    def replace_job_items(
        self,
        job_id: UUID,
        changes: Sequence[tuple[ExportJobItem, ExportJobItem]],
        while_job_status: tuple[ExportJobStatus, ExportJobStatus] = OPEN,
        companies: Collection[UUID] | None = None,
        touched_at: datetime | None = None,
    ) -> None:
        if not changes:
            return
        self._write(job_id, changes, while_job_status, companies, touched_at)

    def _write(
        self,
        job_id: UUID,
        changes: Sequence[tuple[ExportJobItem, ExportJobItem]],
        while_job_status: Collection[ExportJobStatus],
        companies: Collection[UUID] | None = None,
        touched_at: datetime | None = None,
    ) -> None:
        stored = self.items.get(job_id, {})
        if any(stored.get(old.accounting_entry_id) != old for old, _ in changes):
            raise TransactionConflict([0])
        self.jobs.move_counts(
            job_id, [(old.status, new.status) for old, new in changes], while_job_status, companies, touched_at
        )
        for _, new in changes:
            stored[new.accounting_entry_id] = new
        self.transactions += 1

    def unfinished_count(self, job_id: UUID) -> int:
        job = self.jobs.get(job_id)
        return job.item_counts.unfinished if job else 0

    def unfinished_items(self, job_id: UUID, limit: int) -> list[ExportJobItem]:
        unfinished = [i for i in self.items.get(job_id, {}).values() if i.status.is_unfinished]
        return unfinished[:limit]

    def abandon_job_items(self, job_id: UUID, seen: Sequence[ExportJobItem]) -> None:
        if len(seen) > MAX_TRANSACTION_ACTIONS - 1:
            raise ValueError("too many items for one transaction")
        changes = [(item, item.model_copy(update={"status": ExportJobItemStatus.ABANDONED})) for item in seen]
        self._write(job_id, changes, (ExportJobStatus.FAILED,))

    def as_repository(self) -> ItemsRepository:
        return cast(ItemsRepository, self)


@dataclass
class RecordingWorkflow:
    """The workflow port, recording what the job services told it."""

    created: list[ExportJob] = field(default_factory=list)
    applied: list[ExportJob] = field(default_factory=list)

    def job_created(self, job: ExportJob) -> None:
        self.created.append(job)

    def job_event_applied(self, job: ExportJob) -> None:
        self.applied.append(job)

    def execution(self, job: ExportJob) -> JobExecution:  # noqa: ARG002
        raise AssertionError("the services' fast tests ask for no execution")

    def reconcile(self, job: ExportJob) -> ReconcileOutcome:  # noqa: ARG002
        raise AssertionError("the services' fast tests reconcile nothing")
