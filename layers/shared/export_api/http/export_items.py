"""/vN/export-items."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from export_api.http.caller import CallerDep
from export_api.http.links import public_base_url
from export_api.http.pagination import PAGE_QUERY, ListQuery, PageParams, page_params, paginated
from export_api.http.services import ServicesDep
from export_api.models.base import Uuid
from export_api.versions import LATEST
from export_api.versions.base import VersionAdapter

EXPORT_ITEM_SORTING_KEYS = ("accountingEntryId",)
_JOB_ID: TypeAdapter[UUID] = TypeAdapter(Uuid)

#: The page parameters and the job filter in the route's own OpenAPI description: read from the query
#: (`job_filter`), not declared.
EXPORT_ITEMS_QUERY: dict[str, Any] = {
    "parameters": [
        *PAGE_QUERY["parameters"],
        {"name": "job_id", "in": "query", "required": False, "schema": {"type": "string", "format": "uuid"}},
    ]
}


async def job_filter(request: Request) -> UUID | None:
    """The `job_id` query parameter, validated and reported as a declared parameter would be.

    Read here rather than declared: a declared parameter makes FastAPI check its type for pydantic v1
    models, which imports `pydantic.v1` (~17 ms of every cold start); no other route of this function
    declares one, so its init never imports it."""
    given = request.query_params.get("job_id")
    if given is None:
        return None
    try:
        return _JOB_ID.validate_python(given)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("query", "job_id", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


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
