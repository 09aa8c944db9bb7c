"""What a version's export item projection is, and what it is given besides the entry."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from export_api.models.accounting_entries import AccountingEntry
from export_api.models.accounting_settings import AccountingSettings


@dataclass(frozen=True)
class ProjectionContext:
    """The job the items are read for, and where this service is reachable (for `_links`)."""

    job_id: UUID
    vendor_based_bookkeeping: bool
    #: This service's public base URL, without a trailing slash (settings.public_base_url or the request's).
    base_url: str
    #: The company's accounting settings, read when the projection needs them (contra accounts).
    accounting_settings: AccountingSettings | None = None


@dataclass(frozen=True)
class ExportItemProjection:
    """One version's export item: its contract model and the mapper from the accounting entry."""

    schema: type[BaseModel]
    project: Callable[[AccountingEntry, ProjectionContext], BaseModel]

    def body(self, entry: AccountingEntry, context: ProjectionContext) -> dict[str, Any]:
        """The item's JSON: absent optional fields are left out, never `null` (docs/decisions.md)."""
        return self.project(entry, context).model_dump(mode="json", by_alias=True, exclude_none=True)
