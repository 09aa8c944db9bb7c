"""/vN/export-job-events."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.http.body import json_body, validate
from export_api.http.caller import get_caller
from export_api.models.caller import Caller
from export_api.models.jobs import CreateExportJobEvent
from export_api.services.container import Services, get_services
from export_api.versions.base import VersionAdapter

_EVENT = TypeAdapter(CreateExportJobEvent)


def export_job_events_router(version: VersionAdapter) -> APIRouter:
    router = APIRouter(prefix=version.prefix, deprecated=version.deprecated, tags=[f"Export API ({version.name})"])

    @router.post("/export-job-events", operation_id=version.operation_id("createExportJobEvent"))
    async def create_export_job_event(
        request: Request,
        caller: Annotated[Caller, Depends(get_caller)],
        services: Annotated[Services, Depends(get_services)],
    ) -> Response:
        event = validate(_EVENT, await json_body(request))
        services.events.apply(caller, event)
        return Response(status_code=version.event_status_code)

    return router
