"""Export items: the accounting entries of an open job's items, projected per version at read time.

A page is the job's items in `accountingEntryId` order (the job item list's paging), then one batch read
of those entries: export items show each entry as it is stored now (docs/decisions.md).
"""

from dataclasses import replace
from typing import Any
from uuid import UUID

from export_api.errors import ExportJobStatusUnprocessable, RequiredParameterMissing
from export_api.models.caller import Caller, Scope
from export_api.repositories.items import ItemsRepository
from export_api.repositories.paging import Page, PageRequest
from export_api.services.accounting_settings import AccountingSettingsService
from export_api.services.jobs import ExportJobsService
from export_api.versions.base import VersionAdapter
from export_api.versions.items.base import ProjectionContext


class ExportItemsService:
    def __init__(self, jobs: ExportJobsService, items: ItemsRepository, settings: AccountingSettingsService) -> None:
        self.jobs = jobs
        self.items = items
        self.settings = settings

    def list(
        self,
        caller: Caller,
        job_id: UUID | None,
        request: PageRequest,
        version: VersionAdapter,
        base_url: str,
    ) -> tuple[Page[dict[str, Any]], int]:
        caller.require(Scope.EXPORT_ITEMS_READ)
        if job_id is None:
            raise RequiredParameterMissing("Parameter job_id is required: export items are listed per export job.")
        job = self.jobs.get(caller, job_id, finish_pending=False)
        if not job.status.is_open:
            # Documented for v2 (SEED); one core, so every version answers the same (docs/decisions.md).
            raise ExportJobStatusUnprocessable()
        context = ProjectionContext(
            job_id=job.id, vendor_based_bookkeeping=job.vendor_based_bookkeeping, base_url=base_url
        )
        page = self.items.list_job_items(job.id, None, request)
        entry_ids = [item.accounting_entry_id for item in page.items]
        if version.needs_contra_accounts:
            # The company's settings come with the page's entries, in the same BatchGetItem.
            entries, stored = self.items.get_entries_and_settings(job.company_id, entry_ids)
            context = replace(context, accounting_settings=self.settings.with_contra_accounts(job.company_id, stored))
        else:
            entries = self.items.get_entries(job.company_id, entry_ids) if entry_ids else {}
        lost = [e for e in entry_ids if e not in entries]
        if lost:
            # Entries are never deleted (the admin API only creates and replaces them).
            raise RuntimeError(f"Export job {job.id}: accounting entries {lost[:5]} are not stored.")
        items = version.export_items.bodies([entries[e] for e in entry_ids], context)
        return Page(
            items=items,
            positions=page.positions,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
        ), job.number_of_items
