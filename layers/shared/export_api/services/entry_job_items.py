"""Job items looked up by accounting entry (v3: GET /export-job-items, POST /export-job-items:search)."""

from uuid import UUID

from export_api.errors import BadRequest, ExportEntryNotFound
from export_api.models.caller import Caller, Scope
from export_api.models.enums import ExportJobItemStatus
from export_api.models.jobs import ExportJobItem
from export_api.repositories.entry_job_items import EntryJobItemsRepository
from export_api.repositories.paging import Page, PageRequest, page_of

#: Accounting entries one search may name: each is one indexed Query.
MAX_SEARCHED_ENTRIES = 100


class EntryJobItemsService:
    def __init__(self, items: EntryJobItemsRepository) -> None:
        self.items = items

    def get(self, caller: Caller, company_id: UUID | None, accounting_entry_id: UUID | None) -> ExportJobItem:
        caller.require(Scope.EXPORT_JOBS_READ)
        company = caller.company(company_id)
        if accounting_entry_id is None:
            raise BadRequest("Parameter accounting_entry_id is required: name the accounting entry to look up.")
        item = self.items.latest(company, accounting_entry_id)
        if item is None:
            raise ExportEntryNotFound(
                f"No export job of company {company} holds accounting entry {accounting_entry_id}."
            )
        return item

    def search(
        self,
        caller: Caller,
        company_id: UUID | None,
        accounting_entry_ids: list[UUID],
        status: ExportJobItemStatus | None,
        request: PageRequest,
    ) -> tuple[Page[ExportJobItem], int]:
        """Each named entry's item in its most recent job, by accountingEntryId, optionally in one status."""
        caller.require(Scope.EXPORT_JOBS_READ)
        company = caller.company(company_id)
        unique = sorted(set(accounting_entry_ids), key=str)
        if len(unique) > MAX_SEARCHED_ENTRIES:
            raise BadRequest(
                f"accountingEntryIds names {len(unique)} entries; search at most {MAX_SEARCHED_ENTRIES} at a time."
            )
        found = [i for i in self.items.latest_of_each(company, unique) if status is None or i.status is status]
        return page_of(found, lambda item: str(item.accounting_entry_id), request), len(found)
