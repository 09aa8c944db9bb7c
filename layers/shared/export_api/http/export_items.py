"""/vN/export-items."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from export_api.http.links import public_base_url
from export_api.http.pagination import PAGE_QUERY, ListQuery, paginated, read_page_params
from export_api.http.params import UUID_ADAPTER, UUID_SCHEMA, caller_of, openapi_parameters, parameter, read_query
from export_api.services.container import get_services
from export_api.versions import LATEST
from export_api.versions.base import VersionAdapter

EXPORT_ITEM_SORTING_KEYS = ("accountingEntryId",)

#: The page parameters and the job filter in the route's own OpenAPI description: read from the query
#: (http/params.py), not declared.
EXPORT_ITEMS_QUERY = openapi_parameters(PAGE_QUERY, parameter("job_id", "query", UUID_SCHEMA))


def export_items_router(version: VersionAdapter) -> APIRouter:
    router = APIRouter(prefix=version.prefix, deprecated=version.deprecated, tags=[f"Export Items ({version.name})"])
    # The current version's export item models are built with the routes, at init; an earlier version's
    # by its first request (a few ms, once per environment), or before a SnapStart snapshot
    # (functions/export_items/app.py).
    if version is LATEST:
        version.build_export_items()

    @router.get("/export-items", operation_id=version.operation_id("getExportItems"), openapi_extra=EXPORT_ITEMS_QUERY)
    async def list_export_items(http_request: Request) -> Response:
        caller = caller_of(http_request)
        services = get_services()
        paging = read_page_params(http_request, caller)
        job_id = read_query(http_request, "job_id", UUID_ADAPTER)
        filters = {"job_id": [str(job_id)]} if job_id else {}
        request = paging.request(ListQuery("export-items", filters, EXPORT_ITEM_SORTING_KEYS), services.settings)
        base_url = public_base_url(http_request, services.settings)
        page, total = services.export_items.list(caller, job_id, request, version, base_url)
        return paginated(page.items, page, request, services.settings, total)

    return router
