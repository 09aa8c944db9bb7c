"""The asynchronous client (httpx.AsyncClient): the same operations as ExportApiClient, awaited."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
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


class AsyncExportApiClient:
    """`async with AsyncExportApiClient(base_url, token=...) as api:`; lists are async iterators."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        api_key: str | None = None,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = httpx.AsyncClient(transport=transport, **client_options(base_url, token, api_key, timeout))
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, call: ops.Call[T]) -> T:
        headers = request_headers(call)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(
                    call.method, call.path, params=call.params, json=call.body, headers=headers
                )
            except RETRYABLE_EXCEPTIONS as error:
                if attempt >= self._retry.max_attempts:
                    raise TransportError(f"{call.method} {call.path}: {error!r} after {attempt} attempts") from error
                await self._sleep(self._retry.delay(attempt))
                continue
            if response.is_success:
                return call.read(response)
            if attempt < self._retry.max_attempts and self._retry.retries_response(response, decoded(response)):
                await self._sleep(self._retry.delay(attempt, retry_after(response)))
                continue
            raise failure(response)

    async def paginate(self, pages: ops.Pages[T]) -> AsyncIterator[T]:
        after: str | None = None
        while True:
            page = await self.send(pages.page(after))
            for item in page.data:
                yield item
            after = ops.next_cursor(page)
            if after is None:
                return

    def list_export_jobs(
        self,
        *,
        statuses: Sequence[ops.ExportJobStatus] | None = None,
        company_id: UUID | str | None = None,
        sorting_keys: Sequence[str] | None = None,
        sorting_order: Sequence[ops.PageOrder] | None = None,
        page_size: int = ops.MAX_PAGE_SIZE,
    ) -> AsyncIterator[models.ExportJobV3]:
        return self.paginate(ops.list_export_jobs(statuses, company_id, sorting_keys, sorting_order, page_size))

    async def get_export_job(self, job_id: UUID | str) -> models.ExportJobV3:
        return await self.send(ops.get_export_job(job_id))

    async def create_export_job(
        self, company_id: UUID | str, accounting_entry_ids: Iterable[UUID | str], **fields: Any
    ) -> models.ExportJobV3:
        request = models.CreateExportJob(
            company_id=UUID(str(company_id)),
            accounting_entry_ids=[UUID(str(i)) for i in accounting_entry_ids],
            **fields,
        )
        return await self.send(ops.create_export_job(request))

    async def send_export_job_event(self, job_id: UUID | str, event: ops.ExportJobEventType, **fields: Any) -> None:
        event_body = models.CreateExportJobEvent(job_id=UUID(str(job_id)), event=event, **fields)
        await self.send(ops.create_export_job_event(event_body))

    def list_export_job_items(
        self, job_id: UUID | str, *, status: ops.ExportJobItemStatus | None = None, page_size: int = ops.MAX_PAGE_SIZE
    ) -> AsyncIterator[models.ExportJobItemV3]:
        return self.paginate(ops.list_export_job_items(job_id, status, page_size))

    async def update_export_job_items(
        self, job_id: UUID | str, updates: Iterable[models.UpdateExportJobItemV3]
    ) -> ops.ItemUpdateResult:
        result = ops.ItemUpdateResult()
        for batch in ops.batches(updates):
            result.add(await self.send(ops.update_export_job_items(job_id, batch)))
        return result

    def list_export_items(
        self, job_id: UUID | str, *, page_size: int = ops.MAX_PAGE_SIZE
    ) -> AsyncIterator[models.ExportItemV3]:
        return self.paginate(ops.list_export_items(job_id, page_size))

    async def get_export_job_item(
        self, accounting_entry_id: UUID | str, *, company_id: UUID | str | None = None
    ) -> models.ExportJobItemV3:
        return await self.send(ops.get_export_job_item(accounting_entry_id, company_id))

    def search_export_job_items(
        self,
        accounting_entry_ids: Iterable[UUID | str],
        *,
        status: ops.ExportJobItemStatus | None = None,
        company_id: UUID | str | None = None,
        page_size: int = ops.MAX_PAGE_SIZE,
    ) -> AsyncIterator[models.ExportJobItemV3]:
        request = models.SearchExportJobItemsRequest(
            accounting_entry_ids=[UUID(str(i)) for i in accounting_entry_ids], status=status
        )
        return self.paginate(ops.search_export_job_items(request, company_id, page_size))
