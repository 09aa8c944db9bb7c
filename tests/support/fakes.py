"""In-memory stand-ins for the repositories and the workflow, for the services' fast tests
(tests/unit/). Each keeps the promise its real counterpart documents (conditional writes refused with
TransactionConflict, a company's one unfinished job, counters moved with the items), nothing more: the
real ones are tested against DynamoDB (moto) by the API tests.

The typed parts of a transaction (keys, conditions, puts, updates, counter deltas) are the real
repositories' own: the fakes hold the records, and FakeTransactions applies the parts to them."""

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast
from uuid import UUID

from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.executions import JobExecution, ReconcileOutcome
from export_api.models.jobs import ExportJob, ExportJobItem
from export_api.repositories.items import ItemsRepository, job_item_from_record, job_item_record
from export_api.repositories.jobs import CompanyHasOpenJob, JobsRepository, job_from_record, job_record
from export_api.repositories.transactions import (
    BATCH_CHUNK,
    Absent,
    Action,
    Batch,
    Condition,
    Counters,
    Equals,
    Exists,
    OneOf,
    Pending,
    Put,
    TransactionConflict,
    Transactions,
    Update,
    sum_deltas,
)

JOBS_TABLE = "fake-jobs"
ITEMS_TABLE = "fake-items"
_MISSING = object()


class FakeTable(Protocol):
    """The records a fake repository holds, by key, as its real counterpart stores them."""

    def record(self, key: Mapping[str, str]) -> dict[str, Any] | None: ...

    def store(self, key: Mapping[str, str], record: dict[str, Any]) -> None: ...


class FakeJobs:
    """JobsRepository's contract, in a dict."""

    def __init__(self) -> None:
        self.table_name = JOBS_TABLE
        self._parts = JobsRepository(JOBS_TABLE)
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

    def item_counters(
        self,
        job_id: UUID,
        moves: Sequence[tuple[ExportJobItemStatus, ExportJobItemStatus]],
        while_status: Collection[ExportJobStatus],
        companies: Collection[UUID] | None = None,
        touched_at: datetime | None = None,
    ) -> Counters:
        return self._parts.item_counters(job_id, moves, while_status, companies, touched_at)

    def pending_item_changes(self, job: ExportJob) -> Pending | None:
        return self._parts.pending_item_changes(job)

    def record(self, key: Mapping[str, str]) -> dict[str, Any] | None:
        job = self.jobs.get(UUID(key["pk"].removeprefix("JOB#")))
        return job_record(job) if job else None

    def store(self, key: Mapping[str, str], record: dict[str, Any]) -> None:
        # An item batch moves the job's counters and when it was last acted on; nothing else of the job.
        job_id = UUID(key["pk"].removeprefix("JOB#"))
        written = job_from_record(record)
        self.jobs[job_id] = self.jobs[job_id].model_copy(
            update={"item_counts": written.item_counts, "last_updated_at": written.last_updated_at}
        )

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
    table_name: str = ITEMS_TABLE

    @property
    def _parts(self) -> ItemsRepository:
        return ItemsRepository(self.table_name, self.jobs.as_repository())

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

    def replacements(self, changes: Sequence[tuple[ExportJobItem, ExportJobItem]]) -> list[Put]:
        return self._parts.replacements(changes)

    def abandonments(self, seen: Sequence[ExportJobItem]) -> list[Update]:
        return self._parts.abandonments(seen)

    def unfinished_items(self, job_id: UUID, limit: int) -> list[ExportJobItem]:
        unfinished = [i for i in self.items.get(job_id, {}).values() if i.status.is_unfinished]
        return unfinished[:limit]

    def record(self, key: Mapping[str, str]) -> dict[str, Any] | None:
        item = self.items.get(UUID(key["pk"].removeprefix("ITEMS#")), {}).get(UUID(key["sk"]))
        return job_item_record(item) if item else None

    def store(self, key: Mapping[str, str], record: dict[str, Any]) -> None:
        item = job_item_from_record(record)
        self.items.setdefault(UUID(key["pk"].removeprefix("ITEMS#")), {})[UUID(key["sk"])] = item

    def as_repository(self) -> ItemsRepository:
        return cast(ItemsRepository, self)


def _value(record: Mapping[str, Any] | None, path: str) -> Any:
    value: Any = record if record is not None else _MISSING
    for name in path.split("."):
        if not isinstance(value, Mapping) or name not in value:
            return _MISSING
        value = value[name]
    return value


def holds(record: Mapping[str, Any] | None, condition: Condition, path: str) -> bool:
    """Whether `condition` on `path` holds for a record (None: no record), as DynamoDB decides it."""
    value = _value(record, path)
    if isinstance(condition, Equals):
        return value is not _MISSING and bool(value == condition.value)
    if isinstance(condition, OneOf):
        return value is not _MISSING and value in condition.values
    if isinstance(condition, Exists):
        return value is not _MISSING
    assert isinstance(condition, Absent)
    return value is _MISSING


def applied(record: dict[str, Any] | None, action: Action) -> dict[str, Any]:
    """The record as `action` leaves it (an update of a missing record creates it, as DynamoDB's does)."""
    if isinstance(action, Put):
        return dict(action.item)
    result: dict[str, Any] = dict(record) if record is not None else dict(action.key)
    result.update(action.set)
    for name, delta in action.add.items():
        result[name] = int(result.get(name, 0)) + delta
    for name in action.remove:
        result.pop(name, None)
    return result


@dataclass
class FakeTransactions:
    """Transactions' contract over the fakes' records: every condition checked before anything is
    written, then every write applied. A batch is written whole (as if its writer never died), so no
    batch is ever left pending here; `count` counts the transactions the real one would send."""

    tables: dict[str, FakeTable]
    count: int = 0

    def transact(self, actions: Sequence[Action]) -> None:
        keys = [dict(a.key) if isinstance(a, Update) else {"pk": a.item["pk"], **_sk(a.item)} for a in actions]
        records = [self.tables[a.table].record(k) for a, k in zip(actions, keys, strict=True)]
        failed = [
            i
            for i, (a, r) in enumerate(zip(actions, records, strict=True))
            if not all(holds(r, c, path) for path, c in a.conditions.items())
        ]
        if failed:
            raise TransactionConflict(failed)
        for action, key, record in zip(actions, keys, records, strict=True):
            self.tables[action.table].store(key, applied(record, action))

    def write(self, batch: Batch) -> None:
        counters = batch.counters
        if not batch.writes:
            return
        anchor = counters.anchor
        anchor = Update(
            anchor.table,
            anchor.key,
            set=anchor.set,
            add=sum_deltas([anchor.add, *counters.deltas]) or dict(anchor.add),
            remove=anchor.remove,
            conditions={**anchor.conditions, counters.journal: Absent()},
        )
        self.transact([*batch.writes, anchor])
        self.count += math.ceil(len(batch.writes) / BATCH_CHUNK)

    def finish(self, pending: Pending) -> None:
        raise AssertionError(f"no batch is left pending here, yet {pending.key} has one")

    def as_transactions(self) -> Transactions:
        return cast(Transactions, self)


def _sk(item: Mapping[str, Any]) -> dict[str, str]:
    return {"sk": str(item["sk"])} if "sk" in item else {}


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
