"""Job items found by accounting entry: the items table's `byCompanyEntry` index.

Every job item record carries `companyEntry = <companyId>#<accountingEntryId>` and its job's `createdAt` as
`jobCreatedAt`, so an entry's items across jobs are one Query, newest job first.
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from export_api.models.jobs import ExportJobItem
from export_api.repositories import aws
from export_api.repositories.fanout import fan_out

BY_COMPANY_ENTRY_INDEX = "byCompanyEntry"
# Queries of one search run side by side (boto3 clients are thread-safe); a search names at most 100 entries.
_PARALLEL_QUERIES = 8


def company_entry(company_id: UUID, accounting_entry_id: UUID) -> str:
    return f"{company_id}#{accounting_entry_id}"


class EntryJobItemsRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def latest(self, company_id: UUID, accounting_entry_id: UUID) -> ExportJobItem | None:
        """The entry's item in the company's most recent job that holds it."""
        response = aws.table(self.table_name).query(
            IndexName=BY_COMPANY_ENTRY_INDEX,
            KeyConditionExpression="companyEntry = :entry",
            ExpressionAttributeValues={":entry": company_entry(company_id, accounting_entry_id)},
            ScanIndexForward=False,
            Limit=1,
        )
        records: list[dict[str, Any]] = response["Items"]
        return ExportJobItem.model_validate(records[0]) if records else None

    def latest_of_each(self, company_id: UUID, accounting_entry_ids: Sequence[UUID]) -> list[ExportJobItem]:
        """`latest` for each entry; entries no job holds are left out."""
        found = fan_out(lambda entry: self.latest(company_id, entry), accounting_entry_ids, _PARALLEL_QUERIES)
        return [item for item in found if item is not None]
