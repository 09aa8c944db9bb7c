"""/vN/export-job-events."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.http.body import json_body, validate
from export_api.http.caller import get_caller
from export_api.http.idempotency import IdempotencyKey, answered, idempotent_request
from export_api.http.services import current_services
from export_api.models.caller import Caller, Scope
from export_api.models.jobs import CreateExportJobEvent, ExportJob
from export_api.services.container import Services
from export_api.versions.base import VersionAdapter

_EVENT = TypeAdapter(CreateExportJobEvent)
_JOB = TypeAdapter(ExportJob)


def export_job_events_router(version: VersionAdapter) -> APIRouter:
    router = APIRouter(prefix=version.prefix, deprecated=version.deprecated, tags=[f"Export API ({version.name})"])

    @router.post("/export-job-events", operation_id=version.operation_id("createExportJobEvent"))
    async def create_export_job_event(
        request: Request,
        caller: Annotated[Caller, Depends(get_caller)],
        services: Annotated[Services, Depends(current_services)],
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        raw = await json_body(request)
        event = validate(_EVENT, raw)
        outcome = services.idempotency.run(
            caller,
            "createExportJobEvent",
            idempotent_request(request, idempotency_key, raw),
            lambda: services.events.apply(caller, event),
            _JOB,
            scope=Scope.EXPORT_JOBS_WRITE,
            owns=lambda: services.jobs.get(caller, event.job_id),
        )
        return answered(Response(status_code=version.event_status_code), outcome)

    return router
