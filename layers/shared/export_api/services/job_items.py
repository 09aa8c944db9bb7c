"""Job items: paging, batch updates with partial success, and abandoning on failure (docs/decisions.md,
"Item updates" and "Job lifecycle").

An item write is one batch assembled here: the items repository contributes the item writes and their
conditions, the jobs repository the job's counters and conditions, and `Transactions` alone turns the
batch into DynamoDB transactions."""

import random
import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from uuid import UUID

from export_api.errors import BadRequest, ExportJobItemsUpdateLimit, ExportJobStatusUnprocessable
from export_api.models.enums import ExportJobItemStatus, ExportJobItemUpdateErrorType, ExportJobStatus
from export_api.models.jobs import (
    MAX_ITEMS_PER_UPDATE,
    ExportJob,
    ExportJobItem,
    ExportJobItemUpdate,
    ExportJobItemUpdateError,
    UpdateExportJobItem,
)
from export_api.observability import get_logger, record_items_updated
from export_api.repositories.items import ItemsRepository
from export_api.repositories.jobs import JobsRepository
from export_api.repositories.paging import Page, PageRequest
from export_api.repositories.transactions import (
    MAX_TRANSACTION_ACTIONS,
    Action,
    Batch,
    TransactionConflict,
    Transactions,
)

# A client's update is taken while the job is open.
OPEN = (ExportJobStatus.PENDING, ExportJobStatus.IN_PROGRESS)

# Optimistic writes are retried this many times when a concurrent writer got there first.
WRITE_ATTEMPTS = 5
# A PUT of items races every other PUT on the job (they all move the job's counters), so it retries more,
# with jittered exponential backoff: 10 concurrent batches on one job all land (tests/test_concurrency.py).
UPDATE_ATTEMPTS = 12
_BACKOFF_SECONDS = 0.01
_MAX_BACKOFF_SECONDS = 0.5


def backoff(attempt: int) -> None:
    """Sleep before retry `attempt` (0-based) of a write that lost a race: full jitter, capped."""
    time.sleep(random.uniform(0, min(_MAX_BACKOFF_SECONDS, _BACKOFF_SECONDS * 2**attempt)))


def check_update_batch_size(count: int) -> None:
    if count > MAX_ITEMS_PER_UPDATE:
        raise ExportJobItemsUpdateLimit(
            f"Too many export job items in a single request: got {count}, the maximum is "
            f"{MAX_ITEMS_PER_UPDATE}. Send them in batches of {MAX_ITEMS_PER_UPDATE} or fewer."
        )


class JobItemsService:
    def __init__(self, items: ItemsRepository, jobs: JobsRepository, transactions: Transactions | None = None) -> None:
        self.items = items
        self.jobs = jobs
        self.transactions = transactions or Transactions()

    def list(
        self, job: ExportJob, status: ExportJobItemStatus | None, request: PageRequest
    ) -> tuple[Page[ExportJobItem], int]:
        page = self.items.list_job_items(job.id, status, request)
        total = job.item_counts.of(status) if status else job.number_of_items
        return page, total

    def update(
        self,
        job_id: UUID,
        updates: Sequence["UpdateExportJobItem"],
        load_job: Callable[[], ExportJob],
        companies: Collection[UUID] | None = None,
    ) -> "ExportJobItemUpdate":
        """Apply a PUT batch: known entries are replaced (last write wins), unknown ones reported.

        With `companies` (the caller's) the job is not read on the way: each transaction is conditioned
        on the job being open and one of theirs, so `load_job` (404 when not the caller's) runs only when
        a transaction is refused or no item is known. Without, the job is read first.
        """
        check_update_batch_size(len(updates))
        seen: set[UUID] = set()
        for update in updates:
            if update.accounting_entry_id in seen:
                raise BadRequest(
                    f"accountingEntryId {update.accounting_entry_id} appears more than once; "
                    "send each item once per request."
                )
            seen.add(update.accounting_entry_id)
        job = None if companies is not None else load_job()
        for attempt in range(UPDATE_ATTEMPTS):
            if job is not None and not job.status.is_open:
                raise ExportJobStatusUnprocessable()
            current = self.items.get_job_items(job_id, [u.accounting_entry_id for u in updates])
            changes = [
                (current[u.accounting_entry_id], _updated(current[u.accounting_entry_id], u))
                for u in updates
                if u.accounting_entry_id in current
            ]
            if not changes and job is None:
                # Nothing to write, so no condition answers for the job: read it (404, 422).
                job = load_job()
                if not job.status.is_open:
                    raise ExportJobStatusUnprocessable()
            try:
                # An update is an action on the job: its expiry counts again from now.
                self._write(job_id, changes, self.items.replacements(changes), OPEN, companies, datetime.now(UTC))
            except TransactionConflict:
                # Reading the job again also finishes another batch whose writer died half-way (ExportJobsService).
                backoff(attempt)
                job = load_job()
                continue
            record_items_updated(new.status for _, new in changes)
            get_logger().info(
                "export job items updated", extra={"updated": len(changes), "unknown": len(updates) - len(changes)}
            )
            return ExportJobItemUpdate(
                data=[new for _, new in changes],
                errors=[
                    ExportJobItemUpdateError(
                        accounting_entry_id=u.accounting_entry_id,
                        type=ExportJobItemUpdateErrorType.ACCOUNTING_ENTRY_DOES_NOT_EXIST,
                        message=f"Accounting entry {u.accounting_entry_id} is not part of export job {job_id}.",
                    )
                    for u in updates
                    if u.accounting_entry_id not in current
                ],
            )
        raise BadRequest("The items changed concurrently while updating them; retry the request.")

    def _write(
        self,
        job_id: UUID,
        changes: Sequence[tuple[ExportJobItem, ExportJobItem]],
        writes: Sequence[Action],
        while_status: Collection[ExportJobStatus],
        companies: Collection[UUID] | None = None,
        touched_at: datetime | None = None,
    ) -> None:
        """The items' `writes` of the (old, new) `changes` with the job's counters, all or nothing.

        TransactionConflict when a condition fails: an item not in its old status, the job not in
        `while_status` (nor one of `companies`'), or another batch still pending on the job.
        """
        moves = [(old.status, new.status) for old, new in changes]
        counters = self.jobs.item_counters(job_id, moves, while_status, companies, touched_at)
        self.transactions.write(Batch(counters, writes))

    def finish_pending(self, job: ExportJob) -> bool:
        """Apply the rest of an item batch whose writer died between its transactions, recorded on `job`
        as read; True if there was one (the job has changed since)."""
        pending = self.jobs.pending_item_changes(job)
        if pending is None:
            return False
        self.transactions.finish(pending)
        return True

    def finalize(self, job: ExportJob) -> None:
        """On `failed`, every item still `pending`/`in_progress` becomes `abandoned` (docs/decisions.md,
        "Job lifecycle")."""
        if job.status is not ExportJobStatus.FAILED:
            return
        # Counted now, not taken from `job` (which may have been read before it failed: an item could have
        # gone back to in_progress meanwhile). A failed job takes no item update, so the count only falls.
        # The job's counters move in the transactions that move the items: a consistent read counts them.
        stored = self.jobs.get(job.id)
        left = stored.item_counts.unfinished if stored else 0
        self.abandon_unfinished(job, left, job.number_of_items // (MAX_TRANSACTION_ACTIONS - 1) + WRITE_ATTEMPTS + 1)

    def abandon_unfinished(self, job: ExportJob, left: int, batches: int) -> int:
        """Abandon up to `batches` transactions of a failed job's unfinished items, of which at most `left`
        are left (the job's counters, read once it failed); returns how many at most are left, 0 for none.

        The bound saves reads: a batch asks the status index for no more items than are left, and once that
        many are abandoned no read is needed to know none are. It is never below the truth (another
        abandoner only lowers the real number), and an index that shows none left ends the work as well.
        """
        # Index entries that a consistent read showed finished (the index is eventually consistent): the
        # next batch asks for that many more, so that a stale entry cannot hide an unfinished item.
        stale = 0
        for _ in range(batches):
            if left <= 0:
                return 0
            unfinished = self.items.unfinished_items(job.id, min(MAX_TRANSACTION_ACTIONS - 1, left + stale))
            if not unfinished:
                return 0
            try:
                # Each item is conditioned on the status the index showed: no read of the items themselves.
                self._abandon(job.id, unfinished)
            except TransactionConflict:
                # A copy was behind, an item moved meanwhile, or a batch whose writer died before the job
                # failed is still pending on it: finish that batch, and abandon what a consistent read finds
                # unfinished; a concurrent writer makes the next batch read again.
                stored = self.jobs.get(job.id)
                if stored is not None:
                    self.finish_pending(stored)
                fresh = self.items.get_job_items(job.id, [i.accounting_entry_id for i in unfinished])
                still = [item for item in fresh.values() if item.status.is_unfinished]
                stale += len(unfinished) - len(still)
                unfinished = still
                try:
                    self._abandon(job.id, unfinished)
                except TransactionConflict:
                    continue
            record_items_updated(ExportJobItemStatus.ABANDONED for _ in unfinished)
            left = max(0, left - len(unfinished))
        return left

    def _abandon(self, job_id: UUID, seen: Sequence[ExportJobItem]) -> None:
        abandoned = [(item, item.model_copy(update={"status": ExportJobItemStatus.ABANDONED})) for item in seen]
        self._write(job_id, abandoned, self.items.abandonments(seen), (ExportJobStatus.FAILED,))


def _updated(current: ExportJobItem, update: "UpdateExportJobItem") -> ExportJobItem:
    # PUT replaces the item's result fields: a retry after a failure must not keep a stale externalId.
    return ExportJobItem(
        accounting_entry_id=update.accounting_entry_id,
        export_job_id=current.export_job_id,
        company_id=current.company_id,
        job_created_at=current.job_created_at,
        status=update.status,
        exported_at=update.exported_at,
        external_id=update.external_id,
        external_url=update.external_url,
        failure_reason=update.failure_reason,
        failure_reason_type=update.failure_reason_type,
    )
