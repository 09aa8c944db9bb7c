"""The project's own operations (docs/admin-api.openapi.yaml): accounting entries and health."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.http.body import json_body, require_array, validate
from export_api.http.caller import get_caller
from export_api.http.idempotency import IdempotencyKey, answered, idempotent_request
from export_api.http.params import PageParams, page_params
from export_api.http.responses import ContractJSONResponse, paginated
from export_api.models.accounting_entries import AccountingEntry
from export_api.models.base import Uuid
from export_api.models.caller import Caller, Scope
from export_api.pagination import ListQuery
from export_api.services.container import Services, get_services
from export_api.versions.base import full_export_item

ENTRY_SORTING_KEYS = ("accountingEntryId",)
_ENTRIES = TypeAdapter(list[AccountingEntry])

CompanyId = Annotated[Uuid, Path(alias="companyId")]


def admin_router() -> APIRouter:
    router = APIRouter(tags=["Admin"])

    @router.post(
        "/admin/companies/{companyId}/accounting-entries",
        operation_id="ingestAccountingEntries",
        status_code=201,
    )
    async def ingest_accounting_entries(
        company_id: CompanyId,
        request: Request,
        caller: Annotated[Caller, Depends(get_caller)],
        services: Annotated[Services, Depends(get_services)],
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        raw = require_array(await json_body(request))
        entries = validate(_ENTRIES, raw)
        outcome = services.idempotency.run(
            caller,
            "ingestAccountingEntries",
            idempotent_request(request, idempotency_key, raw),
            lambda: services.accounting_entries.ingest(caller, company_id, entries),
            _ENTRIES,
            scope=Scope.ADMIN,
        )
        body = {"data": [full_export_item(e) for e in outcome.value]}
        return answered(ContractJSONResponse(body, status_code=201), outcome)

    @router.get("/admin/companies/{companyId}/accounting-entries", operation_id="listAccountingEntries")
    def list_accounting_entries(
        company_id: CompanyId,
        caller: Annotated[Caller, Depends(get_caller)],
        services: Annotated[Services, Depends(get_services)],
        paging: Annotated[PageParams, Depends(page_params)],
    ) -> Response:
        query = ListQuery("accounting-entries", {"companyId": [str(company_id)]}, ENTRY_SORTING_KEYS)
        request = paging.request(query, services.settings)
        page, total = services.accounting_entries.list(caller, company_id, request)
        return paginated([full_export_item(e) for e in page.items], page, request, services.settings, total)

    @router.get("/health", operation_id="getHealth")
    def health(services: Annotated[Services, Depends(get_services)]) -> Response:
        problems = services.health.check()
        body = {"status": "ok" if not problems else "unavailable", "problems": problems}
        return ContractJSONResponse(body, status_code=200 if not problems else 503)

    return router
