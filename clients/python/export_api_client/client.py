"""The synchronous client (httpx.Client)."""

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import httpx

from export_api_client import models
from export_api_client import operations as ops
from export_api_client._base import client_options, decoded, failure, request_headers, retry_after
from export_api_client.errors import TransportError
from export_api_client.retry import RETRYABLE_EXCEPTIONS, RetryPolicy

T = TypeVar("T")


class ExportApiClient:
    """The Export API over HTTP: `ExportApiClient(base_url, token=...)` or `(base_url, api_key=...)`.

    Lists are iterators that follow the cursor pages; writes carry an Idempotency-Key and, like reads,
    are retried with backoff and jitter on 429, 5xx and dropped connections (honouring Retry-After).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        api_key: str | None = None,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(transport=transport, **client_options(base_url, token, api_key, timeout))
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- sending -------------------------------------------------------------------------------------

    def send(self, call: ops.Call[T]) -> T:
        """Send one operation, retrying what is safe to retry; raise the typed error otherwise."""
        headers = request_headers(call)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(
                    call.method, call.path, params=call.params, json=call.body, headers=headers
                )
            except RETRYABLE_EXCEPTIONS as error:
                if attempt >= self._retry.max_attempts:
                    raise TransportError(f"{call.method} {call.path}: {error!r} after {attempt} attempts") from error
                self._sleep(self._retry.delay(attempt))
                continue
            if response.is_success:
                return call.read(response)
            if attempt < self._retry.max_attempts and self._retry.retries_response(response, decoded(response)):
                self._sleep(self._retry.delay(attempt, retry_after(response)))
                continue
            raise failure(response)

    def paginate(self, pages: ops.Pages[T]) -> Iterator[T]:
        """Every item of a list, page after page (any version: `ops.Pages("GET", "/v2/export-items", ...)`)."""
        after: str | None = None
        while True:
            page = self.send(pages.page(after))
            yield from page.data
            after = ops.next_cursor(page)
            if after is None:
                return

    # --- v3 ------------------------------------------------------------------------------------------

    def list_export_jobs(
        self,
        *,
        statuses: Sequence[ops.ExportJobStatus] | None = None,
        company_id: UUID | str | None = None,
        sorting_keys: Sequence[str] | None = None,
        sorting_order: Sequence[ops.PageOrder] | None = None,
        page_size: int = ops.MAX_PAGE_SIZE,
    ) -> Iterator[models.ExportJobV3]:
        return self.paginate(ops.list_export_jobs(statuses, company_id, sorting_keys, sorting_order, page_size))

    def get_export_job(self, job_id: UUID | str) -> models.ExportJobV3:
        return self.send(ops.get_export_job(job_id))

    def create_export_job(
        self, company_id: UUID | str, accounting_entry_ids: Iterable[UUID | str], **fields: Any
    ) -> models.ExportJobV3:
        request = models.CreateExportJob(
            company_id=UUID(str(company_id)),
            accounting_entry_ids=[UUID(str(i)) for i in accounting_entry_ids],
            **fields,
        )
        return self.send(ops.create_export_job(request))

    def send_export_job_event(self, job_id: UUID | str, event: ops.ExportJobEventType, **fields: Any) -> None:
        self.send(
            ops.create_export_job_event(models.CreateExportJobEvent(job_id=UUID(str(job_id)), event=event, **fields))
        )

    def list_export_job_items(
        self, job_id: UUID | str, *, status: ops.ExportJobItemStatus | None = None, page_size: int = ops.MAX_PAGE_SIZE
    ) -> Iterator[models.ExportJobItemV3]:
        return self.paginate(ops.list_export_job_items(job_id, status, page_size))

    def update_export_job_items(
        self, job_id: UUID | str, updates: Iterable[models.UpdateExportJobItemV3]
    ) -> ops.ItemUpdateResult:
        """Report item outcomes, any number of them, in PUTs of at most 100; per-item refusals are in
        the result's `errors` (not raised)."""
        result = ops.ItemUpdateResult()
        for batch in ops.batches(updates):
            result.add(self.send(ops.update_export_job_items(job_id, batch)))
        return result

    def list_export_items(
        self, job_id: UUID | str, *, page_size: int = ops.MAX_PAGE_SIZE
    ) -> Iterator[models.ExportItemV3]:
        return self.paginate(ops.list_export_items(job_id, page_size))

    def get_export_job_item(
        self, accounting_entry_id: UUID | str, *, company_id: UUID | str | None = None
    ) -> models.ExportJobItemV3:
        return self.send(ops.get_export_job_item(accounting_entry_id, company_id))

    def search_export_job_items(
        self,
        accounting_entry_ids: Iterable[UUID | str],
        *,
        status: ops.ExportJobItemStatus | None = None,
        company_id: UUID | str | None = None,
        page_size: int = ops.MAX_PAGE_SIZE,
    ) -> Iterator[models.ExportJobItemV3]:
        request = models.SearchExportJobItemsRequest(
            accounting_entry_ids=[UUID(str(i)) for i in accounting_entry_ids], status=status
        )
        return self.paginate(ops.search_export_job_items(request, company_id, page_size))
