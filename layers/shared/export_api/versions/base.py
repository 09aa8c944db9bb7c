from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from export_api.models.accounting_entries import AccountingEntry

ExportItemMapper = Callable[[AccountingEntry], dict[str, Any]]


@dataclass(frozen=True)
class VersionAdapter:
    """What one API version looks like over the shared core."""

    name: str
    #: Appended to the contract's operationIds (`getExportJobsList` + `V2`).
    operation_suffix: str
    deprecated: bool
    #: The export item schema of this version, and how an accounting entry becomes one.
    export_item_schema: type[BaseModel]
    export_item: ExportItemMapper
    #: POST /export-jobs exists in v0/v1 only (notes.md §9.1).
    creates_jobs: bool
    #: The deprecated single `status` filter on the job list (removed in v3).
    has_job_status_filter: bool
    #: v2/v3 answer events with 202; v0/v1 document only a `default` response.
    event_status_code: int

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    def operation_id(self, base: str) -> str:
        return base + self.operation_suffix


def full_export_item(entry: AccountingEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json", by_alias=True, exclude_none=True)


def export_item_without_bookkeeping(entry: AccountingEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"bookkeeping"})
