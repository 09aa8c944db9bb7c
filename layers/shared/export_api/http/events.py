"""/vN/export-job-events."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.http.body import json_body, validate
from export_api.http.idempotency import idempotent_write_of
from export_api.http.params import caller_of
from export_api.models.caller import Scope
from export_api.models.jobs import CreateExportJobEvent, ExportJob
from export_api.services.container import get_services
from export_api.versions.base import VersionAdapter

_EVENT = TypeAdapter(CreateExportJobEvent)
_JOB = TypeAdapter(ExportJob)


def export_job_events_router(version: VersionAdapter) -> APIRouter:
    router = APIRouter(prefix=version.prefix, deprecated=version.deprecated, tags=[f"Export API ({version.name})"])

    @router.post("/export-job-events", operation_id=version.operation_id("createExportJobEvent"))
    async def create_export_job_event(request: Request) -> Response:
        caller = caller_of(request)
        services = get_services()
        write = idempotent_write_of(request, caller, services)
        raw = await json_body(request)
        event = validate(_EVENT, raw)
        return write.run(
            "createExportJobEvent",
            raw,
            lambda: services.events.apply(caller, event),
            _JOB,
            lambda _: Response(status_code=version.event_status_code),
            scope=Scope.EXPORT_JOBS_WRITE,
            owns=lambda: services.jobs.get(caller, event.job_id),
        )

    return router
