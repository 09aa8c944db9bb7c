"""Items table: job items, accounting entries and company accounting settings.

Keys (each partition holds one kind of record, so a page is a plain key-range Query):
- job item:         `pk = ITEMS#<jobId>`,      `sk = <accountingEntryId>`
- accounting entry: `pk = ENTRIES#<companyId>`, `sk = <accountingEntryId>` (export items are projected
  from these at read time, versions/items/)
- accounting settings: `pk = SETTINGS#<companyId>`, `sk = accounting` (repositories/accounting_settings.py)
GSI `byJobStatus` (`jobStatus = <jobId>#<status>`, `sk`) lists a job's items in one status. Every job
item also carries `companyEntry = <companyId>#<accountingEntryId>` and `jobCreatedAt` (its job's
`createdAt`, as the jobs table writes it), the keys of the `byCompanyEntry` index that finds the jobs
holding an entry (repositories/entry_job_items.py).
"""

from __future__ import annotations

import contextvars
import random
import time
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict

from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import ExportJobItem
from export_api.repositories import aws
from export_api.repositories.jobs import JobsRepository, company_key, item_counter, job_key, timestamp_text
from export_api.repositories.paging import Page, PageRequest, query_page
from export_api.repositories.transactions import (
    MAX_TRANSACTION_ACTIONS,
    TransactionConflict,
    add_assignment,
    counter_update,
    transact,
)

if TYPE_CHECKING:
    # The entry's domain model is imported where entries are read (to_domain): a function that never
    # reads one (job events, job creation) does not build it at its cold start.
    from export_api.models.accounting_entries import AccountingEntry
    from export_api.models.accounting_settings import AccountingSettings

BY_JOB_STATUS_INDEX = "byJobStatus"
ENTRY_FORMAT = 1
ENTRY_COUNTER = "accountingEntryCount"
# BatchGetItem reads at most 100 keys per call.
_BATCH_GET_LIMIT = 100
OPEN_JOB = (ExportJobStatus.PENDING, ExportJobStatus.IN_PROGRESS)
# Items per transaction: the 100th action moves the job's counters.
_CHUNK = MAX_TRANSACTION_ACTIONS - 1
# On the job record: the rest of an item batch whose first transaction committed (replace_job_items).
PENDING_CHANGES = "pendingItemChanges"
_NO_MOVE = item_counter(ExportJobItemStatus.PENDING)
_UNPROCESSED_ATTEMPTS = 8


# BatchWriteItem takes at most 25 requests; a big job's items are written by this many workers at once.
_BATCH_WRITE_LIMIT = 25
_WRITE_WORKERS = 16


def _job_status_key(job_id: UUID, status: ExportJobItemStatus) -> str:
    """The `byJobStatus` index's key of a job's items in one status."""
    return f"{job_id}#{status.value}"


def _job_item_record(item: ExportJobItem) -> dict[str, Any]:
    if item.company_id is None or item.job_created_at is None:
        raise ValueError(f"Job item {item.accounting_entry_id} of job {item.export_job_id} lacks its job's company")
    record = item.model_dump(mode="json", by_alias=True, exclude_none=True)
    record["pk"] = f"ITEMS#{item.export_job_id}"
    record["sk"] = str(item.accounting_entry_id)
    record["jobStatus"] = _job_status_key(item.export_job_id, item.status)
    record["companyEntry"] = f"{item.company_id}#{item.accounting_entry_id}"
    record["jobCreatedAt"] = timestamp_text(item.job_created_at)
    return record


def _job_item(record: dict[str, Any]) -> ExportJobItem:
    company = str(record.get("companyEntry", "")).partition("#")[0]
    created = record.get("jobCreatedAt")
    return ExportJobItem.model_validate(
        {
            **record,
            "companyId": UUID(company) if company else None,
            "jobCreatedAt": datetime.fromisoformat(str(created)) if created else None,
        }
    )


def _deltas(changes: Sequence[tuple[ExportJobItem, ExportJobItem]]) -> dict[ExportJobItemStatus, int]:
    deltas: dict[ExportJobItemStatus, int] = {}
    for old, new in changes:
        deltas[old.status] = deltas.get(old.status, 0) - 1
        deltas[new.status] = deltas.get(new.status, 0) + 1
    return deltas


def _journal(changes: Sequence[tuple[ExportJobItem, ExportJobItem]]) -> dict[str, Any]:
    """The changes still to apply: each item as it will be written, and the status it is conditioned on."""
    return {
        "journalId": uuid4().hex,
        "changes": [{"old": old.status.value, "item": _job_item_record(new)} for old, new in changes],
    }


class AccountingEntryRecord(BaseModel):
    """An accounting entry as stored: its keys, the format of its body, and the body as JSON text.

    One attribute for the body keeps the record under DynamoDB's 400 KB with a 500-line entry and
    avoids its number type (money stays exact integers, tax rates exact decimals, in the text).
    """

    model_config = ConfigDict(frozen=True)

    pk: str
    sk: str
    #: The body's format; a later one is read by a converter here, never by the domain.
    format: int = ENTRY_FORMAT
    entry: str

    @classmethod
    def of(cls, pk: str, entry: AccountingEntry) -> AccountingEntryRecord:
        return cls(pk=pk, sk=str(entry.accounting_entry_id), entry=entry.model_dump_json())

    def to_domain(self) -> AccountingEntry:
        from export_api.models.accounting_entries import AccountingEntry

        if self.format != ENTRY_FORMAT:
            raise ValueError(f"Accounting entry record {self.pk}/{self.sk} has unknown format {self.format}.")
        return AccountingEntry.model_validate_json(self.entry)


def _entry_record(pk: str, entry: AccountingEntry) -> dict[str, Any]:
    return AccountingEntryRecord.of(pk, entry).model_dump()


def _entry_keys(company_id: UUID, entry_ids: Sequence[UUID]) -> list[dict[str, str]]:
    return [{"pk": f"ENTRIES#{company_id}", "sk": str(e)} for e in entry_ids]


def _entry(record: dict[str, Any]) -> AccountingEntry:
    return AccountingEntryRecord.model_validate(
        {**record, "format": int(record.get("format", ENTRY_FORMAT))}
    ).to_domain()


def _map_page(page: Page[dict[str, Any]], convert: Any) -> Page[Any]:
    return Page(
        items=[convert(r) for r in page.items],
        positions=page.positions,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
    )


class ItemsRepository:
    def __init__(self, table_name: str, jobs: JobsRepository) -> None:
        self.table_name = table_name
        self.jobs = jobs

    @property
    def _table(self) -> Any:
        return aws.table(self.table_name)

    def _batch_get(self, keys: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        # BatchGetItem refuses a request naming one key twice: ask for each key once.
        keys = list({(k["pk"], k["sk"]): k for k in keys}.values())
        ddb = aws.dynamodb()
        records: list[dict[str, Any]] = []
        for start in range(0, len(keys), _BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self.table_name: {
                    "Keys": list(keys[start : start + _BATCH_GET_LIMIT]),
                    "ConsistentRead": True,
                }
            }
            while request:
                response = ddb.batch_get_item(RequestItems=request)
                records.extend(response["Responses"].get(self.table_name, []))
                request = dict(response.get("UnprocessedKeys") or {})
        return records

    # Accounting entries -------------------------------------------------------------------------

    def get_entries(self, company_id: UUID, entry_ids: Sequence[UUID]) -> dict[UUID, AccountingEntry]:
        return {UUID(r["sk"]): _entry(r) for r in self._batch_get(_entry_keys(company_id, entry_ids))}

    def get_entries_and_settings(
        self, company_id: UUID, entry_ids: Sequence[UUID]
    ) -> tuple[dict[UUID, AccountingEntry], AccountingSettings | None]:
        """The entries and the company's accounting settings (None: never set), in one BatchGetItem: the
        settings record lives in this table too (repositories/accounting_settings.py)."""
        # Imported here, as the entry's model is: only export items' v3 reads settings with its entries.
        from export_api.repositories.accounting_settings import AccountingSettingsRecord, settings_of

        settings_key = AccountingSettingsRecord.key(company_id)
        keys = [settings_key, *_entry_keys(company_id, entry_ids)]
        entries: dict[UUID, AccountingEntry] = {}
        settings: AccountingSettings | None = None
        for record in self._batch_get(keys):
            if record["pk"] == settings_key["pk"]:
                settings = settings_of(record)
            else:
                entries[UUID(record["sk"])] = _entry(record)
        return entries, settings

    def existing_entry_ids(self, company_id: UUID, entry_ids: Sequence[UUID]) -> set[UUID]:
        return {UUID(r["sk"]) for r in self._batch_get(_entry_keys(company_id, entry_ids))}

    def put_entries(self, company_id: UUID, entries: Sequence[AccountingEntry], existing: set[UUID]) -> None:
        """Create or replace entries; new ones are counted on the company in the same transaction.

        Each put is conditioned on the existence seen by the caller, so a concurrent writer makes the
        transaction fail rather than the counter drift.
        """
        pk = f"ENTRIES#{company_id}"
        chunk_size = MAX_TRANSACTION_ACTIONS - 1
        for start in range(0, len(entries), chunk_size):
            chunk = entries[start : start + chunk_size]
            actions: list[dict[str, Any]] = [
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _entry_record(pk, entry),
                        "ConditionExpression": "attribute_exists(pk)"
                        if entry.accounting_entry_id in existing
                        else "attribute_not_exists(pk)",
                    }
                }
                for entry in chunk
            ]
            created = sum(1 for e in chunk if e.accounting_entry_id not in existing)
            if created:
                actions.append(counter_update(self.jobs.table_name, company_key(company_id), {ENTRY_COUNTER: created}))
            transact(actions)

    def list_entries(self, company_id: UUID, request: PageRequest) -> Page[AccountingEntry]:
        page = query_page(
            self._table,
            hash_attr="pk",
            hash_values=[f"ENTRIES#{company_id}"],
            range_attr="sk",
            request=request,
        )
        return _map_page(page, _entry)

    def count_entries(self, company_id: UUID) -> int:
        record = aws.table(self.jobs.table_name).get_item(Key=company_key(company_id)).get("Item", {})
        return int(str(record.get(ENTRY_COUNTER, 0)))

    # Job items and export items ----------------------------------------------------------------

    def write_job_items(self, job_id: UUID, company_id: UUID, created_at: datetime, entry_ids: Sequence[UUID]) -> None:
        """Write a new job's pending items (plain puts: nobody can see them before the job record exists)."""
        records = [
            _job_item_record(
                ExportJobItem(
                    accounting_entry_id=entry_id,
                    export_job_id=job_id,
                    status=ExportJobItemStatus.PENDING,
                    company_id=company_id,
                    job_created_at=created_at,
                )
            )
            for entry_id in entry_ids
        ]
        self._batch_write([{"PutRequest": {"Item": r}} for r in records])

    def delete_job_items(self, job_id: UUID, entry_ids: Sequence[UUID]) -> None:
        """Remove the items of a job that was not created after all."""
        self._batch_write([{"DeleteRequest": {"Key": {"pk": f"ITEMS#{job_id}", "sk": str(e)}}} for e in entry_ids])

    def _batch_write(self, requests: Sequence[dict[str, Any]]) -> None:
        """BatchWriteItem, 25 requests a call, calls spread over workers (boto3 clients are thread-safe)."""
        chunks = [requests[i : i + _BATCH_WRITE_LIMIT] for i in range(0, len(requests), _BATCH_WRITE_LIMIT)]
        if len(chunks) <= 1:
            for chunk in chunks:
                self._write_chunk(chunk)
            return
        with ThreadPoolExecutor(max_workers=min(_WRITE_WORKERS, len(chunks))) as pool:
            # Each call in a copy of the caller's context (the request's log keys, trace segment, meters).
            calls = [pool.submit(contextvars.copy_context().run, self._write_chunk, chunk) for chunk in chunks]
            # A worker's error is raised here, after every call has finished.
            for call in calls:
                call.result()

    def _write_chunk(self, chunk: Sequence[dict[str, Any]]) -> None:
        # The document client takes and gives plain Python values (repositories/aws.py), and is thread-safe.
        client: Any = aws.dynamodb()
        pending: list[dict[str, Any]] = list(chunk)
        for attempt in range(_UNPROCESSED_ATTEMPTS):
            response = client.batch_write_item(RequestItems={self.table_name: pending})
            pending = list(response.get("UnprocessedItems", {}).get(self.table_name, []))
            if not pending:
                return
            # DynamoDB left some unwritten (throttled partition): back off, then send only those.
            time.sleep(random.uniform(0, min(1.0, 0.05 * 2**attempt)))
        raise RuntimeError(
            f"BatchWriteItem left {len(pending)} requests unprocessed after {_UNPROCESSED_ATTEMPTS} tries"
        )

    def get_job_items(self, job_id: UUID, entry_ids: Sequence[UUID]) -> dict[UUID, ExportJobItem]:
        keys = [{"pk": f"ITEMS#{job_id}", "sk": str(e)} for e in entry_ids]
        return {UUID(r["sk"]): _job_item(r) for r in self._batch_get(keys)}

    def list_job_items(
        self, job_id: UUID, status: ExportJobItemStatus | None, request: PageRequest
    ) -> Page[ExportJobItem]:
        if status is None:
            page = query_page(
                self._table, hash_attr="pk", hash_values=[f"ITEMS#{job_id}"], range_attr="sk", request=request
            )
        else:
            page = query_page(
                self._table,
                index=BY_JOB_STATUS_INDEX,
                hash_attr="jobStatus",
                hash_values=[_job_status_key(job_id, status)],
                range_attr="sk",
                request=request,
            )
        return _map_page(page, _job_item)

    def replace_job_items(
        self,
        job_id: UUID,
        changes: Sequence[tuple[ExportJobItem, ExportJobItem]],
        while_job_status: tuple[ExportJobStatus, ExportJobStatus] = OPEN_JOB,
        companies: Collection[UUID] | None = None,
        touched_at: datetime | None = None,
    ) -> None:
        """Write (old, new) item pairs with the job's counters, all or nothing.

        Each item is conditioned on the status it was read with, and the job on `while_job_status` and
        on having no pending changes: a concurrent writer or a job closing meanwhile cancels the write
        (TransactionConflict). Up to 99 items take one transaction (the 100th action moves the counters).
        A larger batch is committed by its first transaction, which applies 99 items and records the
        rest on the job record (`pendingItemChanges`, a redo journal); the rest is then applied, by this
        call or, if it died, by whoever touches the job next (`complete_pending`). So no reader or writer
        ever acts on half a batch, and the counters always move with the items they count.
        """
        if not changes:
            return
        first, rest = changes[:_CHUNK], changes[_CHUNK:]
        journal = _journal(rest) if rest else None
        action = self.jobs.item_counts_update(job_id, _deltas(first), while_job_status, companies, touched_at)
        if journal is not None:
            update = action["Update"]
            add_assignment(update, f"{PENDING_CHANGES} = :journal")
            update["ExpressionAttributeValues"][":journal"] = journal
        self._transact_counted(job_id, self._item_writes(first), action)
        if journal is not None:
            self._apply_journal(job_id, journal)

    def _transact_counted(self, job_id: UUID, writes: Sequence[dict[str, Any]], counters: dict[str, Any]) -> None:
        """Item writes with the job's counters action, refused while another batch's rest is pending."""
        counters["Update"]["ConditionExpression"] += f" AND attribute_not_exists({PENDING_CHANGES})"
        try:
            transact([*writes, counters])
        except TransactionConflict:
            # Perhaps another batch's rest is pending (its writer died): finish it, so the caller's
            # re-read and retry can succeed.
            self.complete_pending(job_id)
            raise

    def abandon_job_items(self, job_id: UUID, seen: Sequence[ExportJobItem]) -> None:
        """Mark up to 99 items of a failed job `abandoned`, with the job's counters, all or nothing.

        Only the status changes (the item's other fields are left as stored), each item conditioned on the
        status it was `seen` with: the copies the status index returns may be behind, so a stale one
        cancels the write (TransactionConflict) instead of being counted twice or written back.
        """
        if not seen:
            return
        if len(seen) > _CHUNK:
            raise ValueError(f"At most {_CHUNK} items are abandoned in one transaction, not {len(seen)}")
        abandoned = ExportJobItemStatus.ABANDONED
        changes = [(item, item.model_copy(update={"status": abandoned})) for item in seen]
        action = self.jobs.item_counts_update(
            job_id, _deltas(changes), (ExportJobStatus.FAILED, ExportJobStatus.FAILED)
        )
        writes = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": {"pk": f"ITEMS#{job_id}", "sk": str(item.accounting_entry_id)},
                    "UpdateExpression": "SET #status = :abandoned, jobStatus = :jobStatus",
                    "ConditionExpression": "#status = :seen",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":abandoned": abandoned.value,
                        ":jobStatus": _job_status_key(job_id, abandoned),
                        ":seen": item.status.value,
                    },
                }
            }
            for item in seen
        ]
        self._transact_counted(job_id, writes, action)

    def complete_pending(self, job_id: UUID, journal: dict[str, Any] | None = None) -> bool:
        """Apply the rest of a batch whose first transaction committed; True if there was one."""
        if journal is None:
            journal = self._stored_journal(job_id)
        if not journal:
            return False
        self._apply_journal(job_id, journal)
        return True

    def _stored_journal(self, job_id: UUID) -> dict[str, Any] | None:
        table: Any = aws.table(self.jobs.table_name)
        record = table.get_item(Key=job_key(job_id), ConsistentRead=True, ProjectionExpression=PENDING_CHANGES)
        journal = record.get("Item", {}).get(PENDING_CHANGES)
        return dict(journal) if journal else None

    def _item_writes(self, changes: Sequence[tuple[ExportJobItem, ExportJobItem]]) -> list[dict[str, Any]]:
        return [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": _job_item_record(new),
                    "ConditionExpression": "#status = :old",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":old": old.status.value},
                }
            }
            for old, new in changes
        ]

    def _apply_journal(self, job_id: UUID, journal: dict[str, Any]) -> None:
        """Apply a journal's changes, a transaction per 99, each advancing the journal it is conditioned on."""
        while journal:
            changes = [
                (_job_item({**entry["item"], "status": entry["old"]}), _job_item(entry["item"]))
                for entry in journal["changes"]
            ]
            first, rest = changes[:_CHUNK], changes[_CHUNK:]
            following = _journal(rest) if rest else None
            action = counter_update(
                self.jobs.table_name,
                job_key(job_id),
                {item_counter(s): d for s, d in _deltas(first).items() if d} or {_NO_MOVE: 0},
            )
            update = action["Update"]
            update["UpdateExpression"] += (
                f" SET {PENDING_CHANGES} = :following" if following else f" REMOVE {PENDING_CHANGES}"
            )
            update["ConditionExpression"] = f"{PENDING_CHANGES}.journalId = :journalId"
            update["ExpressionAttributeValues"][":journalId"] = journal["journalId"]
            if following:
                update["ExpressionAttributeValues"][":following"] = following
            try:
                transact([*self._item_writes(first), action])
            except TransactionConflict:
                # Someone else applied this part first (the journal moved on), or an item is not in the
                # status the journal recorded, which no writer can cause while the journal is pending.
                pending = self._stored_journal(job_id)
                if pending and pending.get("journalId") == journal["journalId"]:
                    raise
                return
            journal = following or {}

    def unfinished_count(self, job_id: UUID) -> int:
        """How many of the job's items are `pending` or `in_progress`, by the job's own counters (a
        consistent read: they move in the transactions that move the items)."""
        job = self.jobs.get(job_id)
        return job.item_counts.unfinished if job else 0

    def unfinished_items(self, job_id: UUID, limit: int) -> list[ExportJobItem]:
        """Up to `limit` of the job's `pending`/`in_progress` items, read by index (no scan)."""
        # An item moved from pending to in_progress between the two reads, or still in its old partition
        # of the eventually consistent index, is seen twice: it is counted once.
        found: dict[UUID, ExportJobItem] = {}
        for status in (ExportJobItemStatus.PENDING, ExportJobItemStatus.IN_PROGRESS):
            response = self._table.query(
                IndexName=BY_JOB_STATUS_INDEX,
                KeyConditionExpression="jobStatus = :js",
                ExpressionAttributeValues={":js": _job_status_key(job_id, status)},
                Limit=limit - len(found),
            )
            for record in response["Items"]:
                item = _job_item(record)
                found.setdefault(item.accounting_entry_id, item)
            if len(found) >= limit:
                break
        return list(found.values())
