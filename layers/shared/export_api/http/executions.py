"""Admin: an export job's lifecycle execution (docs/admin-api.openapi.yaml, docs/workflow.md)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.http.idempotency import IdempotentWriteDep
from export_api.http.params import CallerDep
from export_api.http.responses import ContractJSONResponse, body_of
from export_api.http.services import ServicesDep
from export_api.models.caller import Scope
from export_api.models.executions import ReconcileOutcome

JobId = Annotated[UUID, Path(alias="jobId")]
_OUTCOME = TypeAdapter(ReconcileOutcome)


def job_executions_router() -> APIRouter:
    router = APIRouter(tags=["Admin"])

    @router.get("/admin/export-jobs/{jobId}/execution", operation_id="getExportJobExecution")
    async def get_execution(
        job_id: JobId,
        caller: CallerDep,
        services: ServicesDep,
    ) -> Response:
        return ContractJSONResponse(body_of(services.executions.trace(caller, job_id)))

    @router.post("/admin/export-jobs/{jobId}/execution/reconcile", operation_id="reconcileExportJobExecution")
    async def reconcile_execution(
        job_id: JobId,
        caller: CallerDep,
        services: ServicesDep,
        write: IdempotentWriteDep,
    ) -> Response:
        return write.run(
            "reconcileExportJobExecution",
            None,
            lambda: services.executions.reconcile(caller, job_id),
            _OUTCOME,
            lambda stored: ContractJSONResponse(body_of(stored)),
            scope=Scope.ADMIN,
        )

    return router
