"""The operations of the contract as plain request descriptions, shared by the sync and async clients
(which differ only in how they send them): path, parameters, JSON body, whether it is a write (and so
carries an `Idempotency-Key`), and how to read the answer."""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, TypeAdapter

from export_api_client import models

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

#: The contract's limit of items in one PUT of export job items (413 EXPORT_JOB_ITEMS_UPDATE_LIMIT above it).
MAX_ITEMS_PER_UPDATE = 100
#: The contract's largest page.
MAX_PAGE_SIZE = 100

ExportJobStatus = Literal["pending", "in_progress", "failed", "completed", "completed_with_errors"]
ExportJobItemStatus = Literal["pending", "in_progress", "failed", "successful", "abandoned"]
ExportJobEventType = Literal["started", "failed", "completed", "completed_with_errors"]
PageOrder = Literal["ASC", "DESC"]
Params = Mapping[str, Any]


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    read: Callable[[httpx.Response], T]
    params: Params = field(default_factory=dict)
    body: Any = None

    @property
    def write(self) -> bool:
        return self.method in {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Page(Generic[T]):
    data: list[T]
    pagination: models.CursorPageInfo


@dataclass(frozen=True)
class Pages(Generic[T]):
    """A list operation: the call for the page after a cursor (None: the first page)."""

    method: str
    path: str
    item: type[T]
    params: Params = field(default_factory=dict)
    body: Any = None
    page_size: int = MAX_PAGE_SIZE

    def page(self, after: str | None) -> Call[Page[T]]:
        params = {k: v for k, v in self.params.items() if v is not None}
        params["limit"] = self.page_size
        if after is not None:
            params["after"] = after
        adapter = TypeAdapter(list[self.item])  # type: ignore[name-defined]

        def read(response: httpx.Response) -> Page[T]:
            payload = response.json()
            return Page(
                data=adapter.validate_python(payload["data"]),
                pagination=models.CursorPageInfo.model_validate(payload["pagination"]),
            )

        return Call(self.method, self.path, read, params, self.body)


def next_cursor(page: Page[Any]) -> str | None:
    """The cursor of the page after this one; None when this is the last (or the server gave no cursor)."""
    info = page.pagination
    return info.end_cursor if info.has_next_page and info.end_cursor else None


@dataclass
class ItemUpdateResult:
    """What a PUT of export job items did, over all its batches of 100: the items updated and, per item,
    the ones the service refused (with the error `type` and `message` of each)."""

    updated: list[models.ExportJobItemV3] = field(default_factory=list)
    errors: list[models.ExportJobItemUpdateErrorV3] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, batch: models.ExportJobItemUpdateV3) -> None:
        self.updated.extend(batch.data)
        self.errors.extend(batch.errors)


def dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _data(model: type[BaseModel]) -> Callable[[httpx.Response], Any]:
    def read(response: httpx.Response) -> Any:
        return getattr(model.model_validate(response.json()), "data")  # noqa: B009 - every Data* model has it

    return read


def _nothing(_response: httpx.Response) -> None:
    return None


def batches(updates: Iterable[models.UpdateExportJobItemV3], size: int = MAX_ITEMS_PER_UPDATE) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for update in updates:
        batch.append(dump(update))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sorting(keys: Sequence[str] | None, order: Sequence[PageOrder] | None) -> Params:
    return {"sorting_keys": list(keys) if keys else None, "sorting_order": list(order) if order else None}


# --- v3, the current version -------------------------------------------------------------------------


def list_export_jobs(
    statuses: Sequence[ExportJobStatus] | None,
    company_id: UUID | str | None,
    sorting_keys: Sequence[str] | None,
    sorting_order: Sequence[PageOrder] | None,
    page_size: int,
) -> Pages[models.ExportJobV3]:
    params = {
        "statuses": list(statuses) if statuses else None,
        "company_id": str(company_id) if company_id else None,
        **_sorting(sorting_keys, sorting_order),
    }
    return Pages("GET", "/v3/export-jobs", models.ExportJobV3, params, page_size=page_size)


def get_export_job(job_id: UUID | str) -> Call[models.ExportJobV3]:
    return Call("GET", f"/v3/export-jobs/{job_id}", _data(models.DataResponseExportJobV3))


def create_export_job(request: models.CreateExportJob) -> Call[models.ExportJobV3]:
    return Call("POST", "/v3/export-jobs", _data(models.DataResponseExportJobV3), body=dump(request))


def create_export_job_event(event: models.CreateExportJobEvent) -> Call[None]:
    return Call("POST", "/v3/export-job-events", _nothing, body=dump(event))


def list_export_job_items(
    job_id: UUID | str, status: ExportJobItemStatus | None, page_size: int
) -> Pages[models.ExportJobItemV3]:
    params = {"status": status}
    return Pages("GET", f"/v3/export-jobs/{job_id}/items", models.ExportJobItemV3, params, page_size=page_size)


def update_export_job_items(job_id: UUID | str, batch: list[Any]) -> Call[models.ExportJobItemUpdateV3]:
    def read(response: httpx.Response) -> models.ExportJobItemUpdateV3:
        return models.ExportJobItemUpdateV3.model_validate(response.json())

    return Call("PUT", f"/v3/export-jobs/{job_id}/items", read, body=batch)


def list_export_items(job_id: UUID | str, page_size: int) -> Pages[models.ExportItemV3]:
    return Pages("GET", "/v3/export-items", models.ExportItemV3, {"job_id": str(job_id)}, page_size=page_size)


def get_export_job_item(accounting_entry_id: UUID | str, company_id: UUID | str | None) -> Call[models.ExportJobItemV3]:
    params = {"accounting_entry_id": str(accounting_entry_id), "company_id": str(company_id) if company_id else None}
    return Call(
        "GET",
        "/v3/export-job-items",
        _data(models.DataResponseExportJobItemV3),
        {k: v for k, v in params.items() if v is not None},
    )


def search_export_job_items(
    request: models.SearchExportJobItemsRequest, company_id: UUID | str | None, page_size: int
) -> Pages[models.ExportJobItemV3]:
    params = {"company_id": str(company_id) if company_id else None}
    return Pages(
        "POST", "/v3/export-job-items:search", models.ExportJobItemV3, params, body=dump(request), page_size=page_size
    )
