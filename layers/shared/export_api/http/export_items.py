"""/vN/export-items."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from export_api.http.links import public_base_url
from export_api.http.pagination import PAGE_QUERY, ListQuery, PageParams, page_params, paginated
from export_api.http.params import UUID_ADAPTER, UUID_SCHEMA, CallerDep, openapi_parameters, parameter, query_value
from export_api.http.services import ServicesDep
from export_api.versions import LATEST
from export_api.versions.base import VersionAdapter

EXPORT_ITEM_SORTING_KEYS = ("accountingEntryId",)

#: The page parameters and the job filter in the route's own OpenAPI description: read from the query
#: (http/params.py), not declared.
EXPORT_ITEMS_QUERY = openapi_parameters(PAGE_QUERY, parameter("job_id", "query", UUID_SCHEMA))
job_filter = query_value("job_id", UUID_ADAPTER)


def export_items_router(version: VersionAdapter) -> APIRouter:
    router = APIRouter(prefix=version.prefix, deprecated=version.deprecated, tags=[f"Export Items ({version.name})"])
    # The current version's export item models are built with the routes, at init; an earlier version's
    # by its first request (a few ms, once per environment), or before a SnapStart snapshot
    # (functions/export_items/app.py).
    if version is LATEST:
        version.build_export_items()

    @router.get("/export-items", operation_id=version.operation_id("getExportItems"), openapi_extra=EXPORT_ITEMS_QUERY)
    async def list_export_items(
        http_request: Request,
        caller: CallerDep,
        services: ServicesDep,
        paging: Annotated[PageParams, Depends(page_params)],
        job_id: Annotated[UUID | None, Depends(job_filter)],
    ) -> Response:
        filters = {"job_id": [str(job_id)]} if job_id else {}
        request = paging.request(ListQuery("export-items", filters, EXPORT_ITEM_SORTING_KEYS), services.settings)
        base_url = public_base_url(http_request, services.settings)
        page, total = services.export_items.list(caller, job_id, request, version, base_url)
        return paginated(page.items, page, request, services.settings, total)

    return router
