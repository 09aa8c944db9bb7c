"""Benchmark data: small data through the API (as a client makes it), big data straight into moto.

Big jobs (100,000 items) and companies (10,000 jobs) are written into moto's in-process backend with
the repositories' own record builders, so their records are exactly what the application writes;
only the transport is skipped (it is seeding, not what is measured, and through the API it would
take minutes: a job holds at most 10,000 entries and moto would do 8,000 batch writes).
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from boto3.dynamodb.types import TypeSerializer
from export_api.admin_api.accounting_entries import AccountingEntryModel
from export_api.admin_api.accounting_settings import AccountingSettingsModel
from export_api.models.accounting_entries import AccountingEntry
from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import ExportJob, ExportJobItem, ItemCounts
from export_api.repositories import items as items_records
from export_api.repositories import jobs as jobs_records
from export_api.repositories.accounting_settings import AccountingSettingsRecord
from export_api.settings import get_settings

from benchmarks.api import ADMIN, Identity, request
from export_api_local import accounting_entries as factory

_SERIALIZER = TypeSerializer()


def accounting_entry(entry_id: str, index: int = 0, company_id: str | None = None) -> dict[str, Any]:
    """Accounting entry number `index` as the admin API takes it (export_api_local.accounting_entries)."""
    return factory.accounting_entry(entry_id, index, company_id)


def sorted_ids(count: int) -> list[str]:
    return sorted(str(uuid.uuid4()) for _ in range(count))


@dataclass
class Company:
    company_id: str
    entry_ids: list[str]

    @property
    def identity(self) -> Identity:
        return Identity(company_ids=(self.company_id,))

    @classmethod
    def through_api(cls, entries: int) -> "Company":
        """A company whose entries are ingested with POST /admin/companies/{id}/accounting-entries."""
        company = cls(str(uuid.uuid4()), sorted_ids(entries))
        for start in range(0, entries, 100):
            chunk = company.entry_ids[start : start + 100]
            company.ingest([accounting_entry(e, start + i, company.company_id) for i, e in enumerate(chunk)])
        settings = factory.accounting_settings(company.company_id)
        request("PUT", f"/admin/companies/{company.company_id}/accounting-settings", ADMIN, body=settings, expect=200)
        return company

    def ingest(self, entries: list[dict[str, Any]]) -> None:
        request("POST", f"/admin/companies/{self.company_id}/accounting-entries", ADMIN, body=entries, expect=201)

    def create_job(self, entry_ids: Sequence[str]) -> str:
        answer = request(
            "POST",
            "/v1/export-jobs",
            self.identity,
            body={"companyId": self.company_id, "accountingEntryIds": list(entry_ids)},
            expect=200,
        )
        return str(answer.body["data"]["id"])

    def event(self, job_id: str, event: str) -> int:
        body = {"jobId": job_id, "event": event}
        return request("POST", "/v3/export-job-events", self.identity, body=body).status


# Straight into moto ------------------------------------------------------------------------------


class MotoWriter:
    """Puts records into moto's in-process tables (no request, no capacity: seeding only)."""

    def __init__(self, region: str) -> None:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]

    def put(self, table_name: str, records: Iterable[dict[str, Any]]) -> int:
        table = self._backend.get_table(table_name)
        count = 0
        for record in records:
            table.put_item({name: _SERIALIZER.serialize(value) for name, value in record.items()})
            count += 1
        return count


def _entry_template(company_id: UUID) -> AccountingEntry:
    """An invoice (the largest kind: three lines, invoice information, vendor), as the admin API stores it."""
    entry = accounting_entry(str(uuid.uuid4()), 1, str(company_id))
    return AccountingEntryModel.model_validate(entry).to_domain(company_id)


def seed_job(writer: MotoWriter, company_id: str, item_count: int) -> tuple[str, list[str]]:
    """A pending job of `item_count` items (job items and their accounting entries, from which export items
    are projected when read), the company's unfinished job, for a company whose Pleo account is mapped;
    its id and entry ids."""
    settings = get_settings()
    company = UUID(company_id)
    job_id = uuid.uuid4()
    entry_ids = sorted_ids(item_count)
    now = datetime.now(UTC)
    job = ExportJob(
        id=job_id,
        company_id=company,
        status=ExportJobStatus.PENDING,
        created_at=now,
        last_updated_at=now,
        expires_in=settings.job_expires_in_seconds,
        is_interactive=False,
        number_of_items=item_count,
        vendor_based_bookkeeping=False,
        item_counts=ItemCounts(pending=item_count),
    )
    template = _entry_template(company)

    def records() -> Iterable[dict[str, Any]]:
        for entry_id in entry_ids:
            item = ExportJobItem(
                accounting_entry_id=UUID(entry_id),
                export_job_id=job_id,
                status=ExportJobItemStatus.PENDING,
                company_id=company,
                job_created_at=now,
            )
            yield items_records.job_item_record(item)
            entry = template.model_copy(update={"accounting_entry_id": UUID(entry_id)})
            yield items_records._entry_record(f"ENTRIES#{company}", entry)

    writer.put(settings.required("items_table_name"), records())
    mapped = AccountingSettingsModel.model_validate(factory.accounting_settings(company_id)).to_domain(company)
    writer.put(settings.required("items_table_name"), [AccountingSettingsRecord.of(mapped).model_dump()])
    writer.put(settings.required("jobs_table_name"), [jobs_records.job_record(job)])
    counter = {
        **jobs_records.company_key(company),
        jobs_records.job_counter(ExportJobStatus.PENDING): 1,
        jobs_records.OPEN_JOB: str(job_id),
    }
    writer.put(settings.required("jobs_table_name"), [counter])
    return str(job_id), entry_ids


JOB_STATUS_CYCLE = (
    ExportJobStatus.COMPLETED,
    ExportJobStatus.PENDING,
    ExportJobStatus.IN_PROGRESS,
    ExportJobStatus.FAILED,
)


def seed_company_jobs(writer: MotoWriter, job_count: int) -> tuple[str, list[str]]:
    """A company with `job_count` jobs in rotating statuses; its id and the jobs' sort keys in order."""
    settings = get_settings()
    company = uuid.uuid4()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    jobs = [
        ExportJob(
            id=uuid.uuid4(),
            company_id=company,
            status=JOB_STATUS_CYCLE[i % len(JOB_STATUS_CYCLE)],
            created_at=start + timedelta(seconds=i),
            last_updated_at=start + timedelta(seconds=i),
            expires_in=settings.job_expires_in_seconds,
            is_interactive=False,
            number_of_items=10,
            vendor_based_bookkeeping=False,
            item_counts=ItemCounts(pending=10),
        )
        for i in range(job_count)
    ]
    counts: dict[str, int] = {}
    for job in jobs:
        counts[jobs_records.job_counter(job.status)] = counts.get(jobs_records.job_counter(job.status), 0) + 1
    writer.put(settings.required("jobs_table_name"), [jobs_records.job_record(job) for job in jobs])
    writer.put(settings.required("jobs_table_name"), [{**jobs_records.company_key(company), **counts}])
    return str(company), [jobs_records.sort_key(job) for job in jobs]
