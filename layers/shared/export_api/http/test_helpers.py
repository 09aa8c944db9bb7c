"""Admin: the test helpers (docs/admin-api.openapi.yaml, "Test helpers"; services/test_helpers.py).

Routed only where the TestHelpers template parameter enables them (functions/admin/app.py declares them as
`test_helpers`, http/app.py routes them): elsewhere their paths do not exist and answer 404, and the
function's init neither imports this module nor builds its routes. Once routed, they still answer 404
whenever the setting is off (a test or `make run` may switch it in a running process).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.errors import NotFound
from export_api.http.admin_jobs import admin_job_body
from export_api.http.body import json_body, validate
from export_api.http.idempotency import IdempotentWriteDep
from export_api.http.params import CallerDep
from export_api.http.responses import ContractJSONResponse, body_of
from export_api.http.services import ServicesDep
from export_api.models.base import Uuid
from export_api.models.caller import Scope
from export_api.models.test_helpers import (
    AdvanceClock,
    ClockAdvanced,
    CreateFault,
    CreateSampleJob,
    Fault,
)

CompanyId = Annotated[Uuid, Path(alias="companyId")]
FaultId = Annotated[str, Path(alias="faultId", pattern=r"^flt_[0-9a-f]{16}$")]
PREFIX = "/admin/test-helpers/companies/{companyId}"

_ADVANCE = TypeAdapter(AdvanceClock)
_ADVANCED = TypeAdapter(ClockAdvanced)
_CREATE_FAULT = TypeAdapter(CreateFault)
_FAULT = TypeAdapter(Fault)
_CREATE_JOB = TypeAdapter(CreateSampleJob)
_JOB_BODY = TypeAdapter(dict[str, Any])


async def require_enabled(services: ServicesDep) -> None:
    # Before the caller, the body and the Idempotency-Key are looked at: disabled, nothing here exists.
    if not services.settings.test_helpers_enabled:
        raise NotFound("No such resource: check the path and the API version.")


def test_helpers_router() -> APIRouter:
    router = APIRouter(tags=["Test helpers"], dependencies=[Depends(require_enabled)])

    @router.get(PREFIX, operation_id="getTestHelpersState")
    async def get_state(company_id: CompanyId, caller: CallerDep, services: ServicesDep) -> Response:
        return ContractJSONResponse({"data": body_of(services.test_helpers.state(caller, company_id))})

    @router.post(PREFIX + "/clock:advance", operation_id="advanceTestClock")
    async def advance_clock(
        company_id: CompanyId, request: Request, caller: CallerDep, services: ServicesDep, write: IdempotentWriteDep
    ) -> Response:
        raw = await json_body(request)
        advance = validate(_ADVANCE, raw)
        return write.run(
            "advanceTestClock",
            raw,
            lambda: services.test_helpers.advance_clock(caller, company_id, advance.seconds),
            _ADVANCED,
            lambda stored: ContractJSONResponse({"data": body_of(stored)}),
            scope=Scope.ADMIN,
        )

    @router.post(PREFIX + "/faults", operation_id="injectFault", status_code=201)
    async def inject_fault(
        company_id: CompanyId, request: Request, caller: CallerDep, services: ServicesDep, write: IdempotentWriteDep
    ) -> Response:
        raw = await json_body(request)
        fault = validate(_CREATE_FAULT, raw)
        return write.run(
            "injectFault",
            raw,
            lambda: services.test_helpers.add_fault(caller, company_id, fault),
            _FAULT,
            lambda stored: ContractJSONResponse({"data": body_of(stored)}, status_code=201),
            scope=Scope.ADMIN,
        )

    @router.get(PREFIX + "/faults", operation_id="listFaults")
    async def list_faults(company_id: CompanyId, caller: CallerDep, services: ServicesDep) -> Response:
        return ContractJSONResponse({"data": [body_of(f) for f in services.test_helpers.faults(caller, company_id)]})

    @router.delete(PREFIX + "/faults", operation_id="clearFaults", status_code=204)
    async def clear_faults(company_id: CompanyId, caller: CallerDep, services: ServicesDep) -> Response:
        services.test_helpers.clear_faults(caller, company_id)
        return Response(status_code=204)

    @router.delete(PREFIX + "/faults/{faultId}", operation_id="clearFault", status_code=204)
    async def clear_fault(
        company_id: CompanyId, fault_id: FaultId, caller: CallerDep, services: ServicesDep
    ) -> Response:
        services.test_helpers.clear_faults(caller, company_id, fault_id)
        return Response(status_code=204)

    @router.post(PREFIX + "/export-jobs", operation_id="createSampleExportJob", status_code=201)
    async def create_sample_job(
        company_id: CompanyId, request: Request, caller: CallerDep, services: ServicesDep, write: IdempotentWriteDep
    ) -> Response:
        raw = await json_body(request)
        sample = validate(_CREATE_JOB, raw)
        return write.run(
            "createSampleExportJob",
            raw,
            lambda: admin_job_body(services.test_helpers.create_job(caller, company_id, sample)),
            _JOB_BODY,
            lambda stored: ContractJSONResponse({"data": stored}, status_code=201),
            scope=Scope.ADMIN,
        )

    return router
