"""The project's own operations (docs/admin-api.openapi.yaml): accounting entries, accounting settings, webhook
redelivery, health."""

import importlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.admin_api.accounting_settings import AccountingSettingsModel, AccountingSettingsResponse
from export_api.admin_api.usage_plans import UsagePlanModel, UsagePlanResponse
from export_api.http.body import json_body, require_array, validate
from export_api.http.idempotency import IdempotentWriteDep
from export_api.http.pagination import PAGE_QUERY, ListQuery, PageParams, page_params, paginated
from export_api.http.params import CallerDep
from export_api.http.responses import ContractJSONResponse, body_of
from export_api.http.services import ServicesDep
from export_api.models.base import Uuid
from export_api.models.caller import Scope
from export_api.services.container import get_services

ENTRY_SORTING_KEYS = ("accountingEntryId",)
_SETTINGS_BODY = TypeAdapter(AccountingSettingsModel)
_SETTINGS = TypeAdapter(AccountingSettingsResponse)
_BODY = TypeAdapter(dict[str, Any])
_USAGE_PLAN_BODY = TypeAdapter(UsagePlanModel)
_USAGE_PLAN = TypeAdapter(UsagePlanResponse)

CompanyId = Annotated[Uuid, Path(alias="companyId")]
# The admin API's accounting entry (17 models, ~11 ms to build) is imported by the requests that read or
# write entries, not at init: the admin function's other requests (health, settings, jobs, executions)
# never use it. A SnapStart snapshot holds it built (functions/admin/app.py: `load_entry_models`).
_ENTRY_MODULE = "export_api.admin_api.accounting_entries"


def load_entry_models() -> None:
    importlib.import_module(_ENTRY_MODULE)


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
        caller: CallerDep,
        services: ServicesDep,
        write: IdempotentWriteDep,
    ) -> Response:
        from export_api.admin_api.accounting_entries import ENTRIES, AccountingEntryModel  # see _ENTRY_MODULE

        raw = require_array(await json_body(request))
        entries = validate(ENTRIES, raw)
        return write.run(
            "ingestAccountingEntries",
            raw,
            lambda: [
                AccountingEntryModel.of(e)
                for e in services.accounting_entries.ingest(
                    caller, company_id, [e.to_domain(e.company_id or company_id) for e in entries]
                )
            ],
            ENTRIES,
            lambda stored: ContractJSONResponse({"data": [body_of(e) for e in stored]}, status_code=201),
            scope=Scope.ADMIN,
        )

    @router.get(
        "/admin/companies/{companyId}/accounting-entries",
        operation_id="listAccountingEntries",
        openapi_extra=PAGE_QUERY,
    )
    async def list_accounting_entries(
        company_id: CompanyId,
        caller: CallerDep,
        services: ServicesDep,
        paging: Annotated[PageParams, Depends(page_params)],
    ) -> Response:
        from export_api.admin_api.accounting_entries import AccountingEntryModel  # see _ENTRY_MODULE

        query = ListQuery("accounting-entries", {"companyId": [str(company_id)]}, ENTRY_SORTING_KEYS)
        request = paging.request(query, services.settings)
        page, total = services.accounting_entries.list(caller, company_id, request)
        return paginated(
            [body_of(AccountingEntryModel.of(e)) for e in page.items], page, request, services.settings, total
        )

    @router.put("/admin/companies/{companyId}/accounting-settings", operation_id="putAccountingSettings")
    async def put_accounting_settings(
        company_id: CompanyId,
        request: Request,
        caller: CallerDep,
        services: ServicesDep,
        write: IdempotentWriteDep,
    ) -> Response:
        raw = await json_body(request)
        settings = validate(_SETTINGS_BODY, raw)
        return write.run(
            "putAccountingSettings",
            raw,
            lambda: AccountingSettingsResponse.of(
                services.accounting_settings.replace(caller, settings.to_domain(company_id))
            ),
            _SETTINGS,
            lambda stored: ContractJSONResponse({"data": body_of(stored)}),
            scope=Scope.ADMIN,
        )

    @router.get("/admin/companies/{companyId}/accounting-settings", operation_id="getAccountingSettings")
    async def get_accounting_settings(
        company_id: CompanyId,
        caller: CallerDep,
        services: ServicesDep,
    ) -> Response:
        settings = services.accounting_settings.get(caller, company_id)
        return ContractJSONResponse({"data": body_of(AccountingSettingsResponse.of(settings))})

    @router.put("/admin/companies/{companyId}/usage-plan", operation_id="putUsagePlan")
    async def put_usage_plan(
        company_id: CompanyId,
        request: Request,
        caller: CallerDep,
        services: ServicesDep,
        write: IdempotentWriteDep,
    ) -> Response:
        raw = await json_body(request)
        plan = validate(_USAGE_PLAN_BODY, raw)
        return write.run(
            "putUsagePlan",
            raw,
            lambda: UsagePlanResponse.of(services.usage_plans.assign(caller, str(company_id), plan.tier)),
            _USAGE_PLAN,
            lambda stored: ContractJSONResponse({"data": body_of(stored)}),
            scope=Scope.ADMIN,
        )

    @router.get("/admin/companies/{companyId}/usage-plan", operation_id="getUsagePlan")
    async def get_usage_plan(company_id: CompanyId, caller: CallerDep, services: ServicesDep) -> Response:
        plan = services.usage_plans.get(caller, str(company_id))
        return ContractJSONResponse({"data": body_of(UsagePlanResponse.of(plan))})

    @router.post(
        "/admin/subscriptions/{subscriptionId}/messages/{messageId}/redeliver",
        operation_id="redeliverWebhookMessage",
        status_code=202,
    )
    async def redeliver_webhook_message(
        subscription_id: Annotated[Uuid, Path(alias="subscriptionId")],
        message_id: Annotated[str, Path(alias="messageId", pattern=r"^msg_[0-9a-f]{32}$")],
        caller: CallerDep,
        services: ServicesDep,
        write: IdempotentWriteDep,
    ) -> Response:
        def redeliver() -> dict[str, Any]:
            message = services.subscriptions.redeliver(caller, subscription_id, message_id)
            return {"messageId": message.id, "eventType": message.event_type.value, "status": message.status.value}

        return write.run(
            "redeliverWebhookMessage",
            None,
            redeliver,
            _BODY,
            lambda stored: ContractJSONResponse({"data": stored}, status_code=202),
            scope=Scope.ADMIN,
        )

    @router.get("/health", operation_id="getHealth")
    async def health() -> Response:
        # The services without a dependency: load balancers and monitors call this often.
        problems = get_services().health.check()
        body = {"status": "ok" if not problems else "unavailable", "problems": problems}
        return ContractJSONResponse(body, status_code=200 if not problems else 503)

    return router
