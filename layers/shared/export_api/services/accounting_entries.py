"""Accounting entries (admin): the source data of export items, ingested per company."""

from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from export_api.errors import BadRequest
from export_api.models.accounting_entries import AccountingEntry
from export_api.models.caller import Caller, Scope
from export_api.repositories.items import ItemsRepository
from export_api.repositories.paging import Page, PageRequest
from export_api.repositories.transactions import TransactionConflict

if TYPE_CHECKING:
    from export_api.services.usage_plans import UsagePlansService

MAX_ENTRIES_PER_INGEST = 100
_INGEST_ATTEMPTS = 3


class AccountingEntriesService:
    def __init__(self, items: ItemsRepository, usage_plans: "UsagePlansService | None" = None) -> None:
        self.items = items
        # A company whose entries are set up can call the API: it is metered by a usage plan from then on.
        self.usage_plans = usage_plans

    def ingest(self, caller: Caller, company_id: UUID, entries: Sequence[AccountingEntry]) -> list[AccountingEntry]:
        """Create or replace entries. A replaced entry is what every open job including it serves from
        then on: export items are projected from the one stored entry (docs/decisions.md)."""
        caller.require(Scope.ADMIN)
        if not entries:
            raise BadRequest("Send at least one accounting entry.")
        if len(entries) > MAX_ENTRIES_PER_INGEST:
            raise BadRequest(
                f"Too many accounting entries in one request: got {len(entries)}, "
                f"the maximum is {MAX_ENTRIES_PER_INGEST}."
            )
        ids = [e.accounting_entry_id for e in entries]
        if len(set(ids)) != len(ids):
            raise BadRequest("Each accountingEntryId may appear once per request.")
        for entry in entries:
            if entry.company_id != company_id:
                raise BadRequest(
                    f"Accounting entry {entry.accounting_entry_id} has companyId {entry.company_id}, "
                    f"but is sent for company {company_id}."
                )
        if self.usage_plans is not None:
            self.usage_plans.ensure(str(company_id))
        for _ in range(_INGEST_ATTEMPTS):
            existing = self.items.existing_entry_ids(company_id, ids)
            try:
                self.items.put_entries(company_id, entries, existing)
            except TransactionConflict:
                continue
            return list(entries)
        raise BadRequest("The entries changed concurrently while storing them; retry the request.")

    def list(self, caller: Caller, company_id: UUID, request: PageRequest) -> tuple[Page[AccountingEntry], int]:
        caller.require(Scope.ADMIN)
        return self.items.list_entries(company_id, request), self.items.count_entries(company_id)
