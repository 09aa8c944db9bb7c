"""What a version's export item projection is, and what it is given besides the entry."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import BaseModel, TypeAdapter

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


#: A contract model's fields by name, nested ones too: what a mapper makes of the entry, validated into the
#: model with the rest of its page in one call (one call a page costs a third of a model built per part).
Fields = dict[str, Any]


@dataclass(frozen=True)
class ExportItemProjection:
    """One version's export item: its contract model and the mapper from the accounting entry."""

    schema: type[BaseModel]
    project: Callable[[AccountingEntry, ProjectionContext], Fields]
    page: TypeAdapter[list[Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "page", TypeAdapter(list[self.schema]))  # type: ignore[name-defined]

    def bodies(self, entries: Sequence[AccountingEntry], context: ProjectionContext) -> list[dict[str, Any]]:
        """The items' JSON: absent optional fields are left out, never `null` (docs/decisions.md)."""
        items = self.page.validate_python([self.project(entry, context) for entry in entries])
        bodies: list[dict[str, Any]] = self.page.dump_python(items, mode="json", by_alias=True, exclude_none=True)
        return bodies

    def body(self, entry: AccountingEntry, context: ProjectionContext) -> dict[str, Any]:
        return self.bodies([entry], context)[0]
