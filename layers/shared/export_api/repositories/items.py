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

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from export_api.models.enums import ExportJobItemStatus
from export_api.models.jobs import ExportJobItem
from export_api.repositories import aws, wire
from export_api.repositories.fanout import UNPROCESSED_ATTEMPTS, fan_out, unprocessed_backoff
from export_api.repositories.jobs import JobsRepository, company_key, timestamp_text
from export_api.repositories.paging import Page, PageRequest, query_page
from export_api.repositories.transactions import BATCH_CHUNK, Absent, Equals, Exists, Put, Update, transact

if TYPE_CHECKING:
    # The entry's domain model is imported where entries are read (to_domain): a function that never
    # reads one (job events, job creation) does not build it at its cold start.
    from export_api.models.accounting_entries import AccountingEntry
    from export_api.models.accounting_settings import AccountingSettings

BY_JOB_STATUS_INDEX = "byJobStatus"
ENTRY_FORMAT = 1
ENTRY_COUNTER = "accountingEntryCount"
# BatchGetItem reads at most 100 keys per call, BatchWriteItem writes at most 25 requests; a big job's
# calls are sent side by side (fanout.py).
_BATCH_GET_LIMIT = 100
_BATCH_WRITE_LIMIT = 25


def _chunks(values: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _batch_get_chunk(
    client: Any, table_name: str, keys: Sequence[dict[str, Any]], options: dict[str, Any]
) -> list[dict[str, Any]]:
    """One BatchGetItem of up to 100 keys, what DynamoDB leaves unprocessed asked again with backoff (keys and
    records in DynamoDB's wire form)."""
    records: list[dict[str, Any]] = []
    pending = list(keys)
    for attempt in range(UNPROCESSED_ATTEMPTS):
        if attempt:
            # DynamoDB left some keys unread (throttled partition, or 16 MB answered): back off, then ask
            # for those only.
            unprocessed_backoff(attempt - 1)
        response = client.batch_get_item(
            RequestItems={table_name: {"Keys": pending, "ConsistentRead": True, **options}}
        )
        records.extend(response["Responses"].get(table_name, []))
        pending = list(response.get("UnprocessedKeys", {}).get(table_name, {}).get("Keys", []))
        if not pending:
            return records
    raise RuntimeError(f"BatchGetItem left {len(pending)} keys unprocessed after {UNPROCESSED_ATTEMPTS} tries")


def _job_item_key(job_id: UUID, entry_id: UUID) -> dict[str, str]:
    return {"pk": f"ITEMS#{job_id}", "sk": str(entry_id)}


def _job_status_key(job_id: UUID, status: ExportJobItemStatus) -> str:
    """The `byJobStatus` index's key of a job's items in one status."""
    return f"{job_id}#{status.value}"


def job_item_record(item: ExportJobItem) -> dict[str, Any]:
    if item.company_id is None or item.job_created_at is None:
        raise ValueError(f"Job item {item.accounting_entry_id} of job {item.export_job_id} lacks its job's company")
    record = item.model_dump(mode="json", by_alias=True, exclude_none=True)
    record["pk"] = f"ITEMS#{item.export_job_id}"
    record["sk"] = str(item.accounting_entry_id)
    record["jobStatus"] = _job_status_key(item.export_job_id, item.status)
    record["companyEntry"] = f"{item.company_id}#{item.accounting_entry_id}"
    record["jobCreatedAt"] = timestamp_text(item.job_created_at)
    return record


def job_item_from_record(record: dict[str, Any]) -> ExportJobItem:
    company = str(record.get("companyEntry", "")).partition("#")[0]
    created = record.get("jobCreatedAt")
    return ExportJobItem.model_validate(
        {
            **record,
            "companyId": UUID(company) if company else None,
            "jobCreatedAt": datetime.fromisoformat(str(created)) if created else None,
        }
    )


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
        """BatchGetItem, 100 keys a call, the calls side by side (fanout.py)."""
        # BatchGetItem refuses a request naming one key twice: ask for each key once.
        keys = list({(k["pk"], k["sk"]): k for k in keys}.values())
        return [record for records in fan_out(self._get_chunk, _chunks(keys, _BATCH_GET_LIMIT)) for record in records]

    def _get_chunk(self, keys: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        # boto3's clients are thread-safe.
        records = _batch_get_chunk(aws.dynamodb(), self.table_name, [wire.encode_record(k) for k in keys], {})
        return wire.decode_records(records)

    def _existing_keys(self, keys: Sequence[dict[str, str]]) -> list[str]:
        """The sort keys of those of `keys` that are stored (a 10,000-entry job's check is 100 calls)."""
        unique = list({(k["pk"], k["sk"]): {"pk": {"S": k["pk"]}, "sk": {"S": k["sk"]}} for k in keys}.values())
        # The sort key only: the same read units, but an entry's body is kilobytes, 10,000 of them tens of
        # megabytes to transfer and parse.
        projection = {"ProjectionExpression": "#sk", "ExpressionAttributeNames": {"#sk": "sk"}}

        def read(chunk: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
            return _batch_get_chunk(aws.bulk_dynamodb(), self.table_name, chunk, projection)

        return [record["sk"]["S"] for records in fan_out(read, _chunks(unique, _BATCH_GET_LIMIT)) for record in records]

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
        return {UUID(sk) for sk in self._existing_keys(_entry_keys(company_id, entry_ids))}

    def put_entries(self, company_id: UUID, entries: Sequence[AccountingEntry], existing: set[UUID]) -> None:
        """Create or replace entries; new ones are counted on the company in the same transaction.

        Each put is conditioned on the existence seen by the caller, so a concurrent writer makes the
        transaction fail rather than the counter drift.
        """
        pk = f"ENTRIES#{company_id}"
        for start in range(0, len(entries), BATCH_CHUNK):
            chunk = entries[start : start + BATCH_CHUNK]
            actions: list[Put | Update] = [
                Put(
                    self.table_name,
                    _entry_record(pk, entry),
                    {"pk": Exists() if entry.accounting_entry_id in existing else Absent()},
                )
                for entry in chunk
            ]
            created = sum(1 for e in chunk if e.accounting_entry_id not in existing)
            if created:
                actions.append(Update(self.jobs.table_name, company_key(company_id), add={ENTRY_COUNTER: created}))
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
        if not entry_ids:
            return
        first = job_item_record(
            ExportJobItem(
                accounting_entry_id=entry_ids[0],
                export_job_id=job_id,
                status=ExportJobItemStatus.PENDING,
                company_id=company_id,
                job_created_at=created_at,
            )
        )
        # A new job's items differ only by their entry: one record serialized, the others its copies.
        template = wire.encode_record(first)
        records = [
            {
                **template,
                "sk": {"S": str(e)},
                "accountingEntryId": {"S": str(e)},
                "companyEntry": {"S": f"{company_id}#{e}"},
            }
            for e in entry_ids
        ]
        self._batch_write([{"PutRequest": {"Item": r}} for r in records])

    def delete_job_items(self, job_id: UUID, entry_ids: Sequence[UUID]) -> None:
        """Remove the items of a job that was not created after all."""
        self._batch_write(
            [{"DeleteRequest": {"Key": {"pk": {"S": f"ITEMS#{job_id}"}, "sk": {"S": str(e)}}}} for e in entry_ids]
        )

    def _batch_write(self, requests: Sequence[dict[str, Any]]) -> None:
        """BatchWriteItem of requests in DynamoDB's wire form, 25 a call, the calls side by side (fanout.py; a
        10,000-entry job is 400 calls)."""
        fan_out(self._write_chunk, _chunks(requests, _BATCH_WRITE_LIMIT))

    def _write_chunk(self, chunk: Sequence[dict[str, Any]]) -> None:
        client: Any = aws.bulk_dynamodb()
        pending: list[dict[str, Any]] = list(chunk)
        for attempt in range(UNPROCESSED_ATTEMPTS):
            if attempt:
                # DynamoDB left some unwritten (throttled partition): back off, then send only those.
                unprocessed_backoff(attempt - 1)
            response = client.batch_write_item(RequestItems={self.table_name: pending})
            pending = list(response.get("UnprocessedItems", {}).get(self.table_name, []))
            if not pending:
                return
        raise RuntimeError(
            f"BatchWriteItem left {len(pending)} requests unprocessed after {UNPROCESSED_ATTEMPTS} tries"
        )

    def get_job_items(self, job_id: UUID, entry_ids: Sequence[UUID]) -> dict[UUID, ExportJobItem]:
        keys = [_job_item_key(job_id, e) for e in entry_ids]
        return {UUID(r["sk"]): job_item_from_record(r) for r in self._batch_get(keys)}

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
        return _map_page(page, job_item_from_record)

    def replacements(self, changes: Sequence[tuple[ExportJobItem, ExportJobItem]]) -> list[Put]:
        """Each `(old, new)` item written whole as `new`, if it is still in the status it was read with:
        a concurrent writer cancels the batch instead of being overwritten (PUT replaces the result fields)."""
        return [
            Put(self.table_name, job_item_record(new), {"status": Equals(old.status.value)}) for old, new in changes
        ]

    def abandonments(self, seen: Sequence[ExportJobItem]) -> list[Update]:
        """Each item `abandoned`, only its status changed (its other fields are left as stored), if it is
        still in the status it was `seen` with: the copies the status index returns may be behind, so a
        stale one cancels the batch instead of being counted twice or written back."""
        abandoned = ExportJobItemStatus.ABANDONED
        return [
            Update(
                self.table_name,
                _job_item_key(item.export_job_id, item.accounting_entry_id),
                set={"status": abandoned.value, "jobStatus": _job_status_key(item.export_job_id, abandoned)},
                conditions={"status": Equals(item.status.value)},
            )
            for item in seen
        ]

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
                item = job_item_from_record(record)
                found.setdefault(item.accounting_entry_id, item)
            if len(found) >= limit:
                break
        return list(found.values())
