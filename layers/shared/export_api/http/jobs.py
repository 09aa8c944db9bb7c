"""/vN/export-jobs, /vN/export-jobs/{jobId} and /vN/export-jobs/{jobId}/items."""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.http.body import json_body, require_array, validate
from export_api.http.idempotency import idempotent_write_of
from export_api.http.pagination import PAGE_QUERY, ListQuery, paginated, read_page_params
from export_api.http.params import (
    UUID_ADAPTER,
    UUID_SCHEMA,
    caller_of,
    openapi_parameters,
    parameter,
    read_path_uuid,
    read_query,
    read_query_values,
)
from export_api.http.responses import ContractJSONResponse
from export_api.models.caller import Scope
from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import CreateExportJob, ExportJob, ExportJobItemUpdate
from export_api.services.container import get_services
from export_api.services.job_items import check_update_batch_size
from export_api.versions.base import VersionAdapter
from export_api.versions.jobs import SearchExportJobItemsRequest

JOB_SORTING_KEYS = ("createdAt",)
ITEM_SORTING_KEYS = ("accountingEntryId",)
_CREATE_JOB = TypeAdapter(CreateExportJob)
_SEARCH = TypeAdapter(SearchExportJobItemsRequest)
_JOB = TypeAdapter(ExportJob)
_ITEM_UPDATE = TypeAdapter(ExportJobItemUpdate)

# Every parameter is read from the request, none declared (http/params.py): the function never imports
# pydantic.v1. Each route names them in its OpenAPI description.
JOB_ID = parameter("jobId", "path", UUID_SCHEMA, description="Export Job ID")
COMPANY_ID = parameter("company_id", "query", UUID_SCHEMA)
_STATUS = TypeAdapter(ExportJobStatus)
_STATUSES = TypeAdapter(list[ExportJobStatus])
_JOB_STATUS_SCHEMA = {"type": "string", "enum": [s.value for s in ExportJobStatus]}
STATUSES = parameter("statuses", "query", {"type": "array", "items": _JOB_STATUS_SCHEMA})
STATUS = parameter("status", "query", _JOB_STATUS_SCHEMA, deprecated=True)
ITEM_STATUS = parameter("status", "query", {"type": "string", "enum": [s.value for s in ExportJobItemStatus]})
_ITEM_STATUS = TypeAdapter(ExportJobItemStatus)


def _job_filters_with_status(request: Request) -> set[ExportJobStatus]:
    # `status` and `statuses` together select jobs in any of the named statuses.
    status = read_query(request, "status", _STATUS)
    statuses = read_query_values(request, "statuses", _STATUSES)
    return set(statuses) | ({status} if status else set())


def _job_filters(request: Request) -> set[ExportJobStatus]:
    return set(read_query_values(request, "statuses", _STATUSES))


def _company_id(request: Request) -> UUID | None:
    return read_query(request, "company_id", UUID_ADAPTER)


def export_jobs_router(version: VersionAdapter) -> APIRouter:
    router = APIRouter(prefix=version.prefix, deprecated=version.deprecated, tags=[f"Export API ({version.name})"])
    job_filters = _job_filters_with_status if version.has_job_status_filter else _job_filters

    list_parameters = (STATUS, STATUSES) if version.has_job_status_filter else (STATUSES,)

    @router.get(
        "/export-jobs",
        operation_id=version.operation_id("getExportJobsList"),
        openapi_extra=openapi_parameters(PAGE_QUERY, *list_parameters, COMPANY_ID),
    )
    async def list_export_jobs(http_request: Request) -> Response:
        caller = caller_of(http_request)
        services = get_services()
        statuses = job_filters(http_request)
        paging = read_page_params(http_request, caller)
        company_id = _company_id(http_request)
        filters = {"statuses": sorted(s.value for s in statuses)} if statuses else {}
        if company_id:
            filters["company_id"] = [str(company_id)]
        request = paging.request(ListQuery("export-jobs", filters, JOB_SORTING_KEYS), services.settings)
        page, total = services.jobs.list(caller, company_id, statuses, request)
        data = [version.jobs.job_body(job) for job in page.items]
        return paginated(data, page, request, services.settings, total)

    @router.post(
        "/export-jobs",
        operation_id=version.operation_id("createExportJob"),
        status_code=version.create_status_code,
    )
    async def create_export_job(request: Request) -> Response:
        caller = caller_of(request)
        services = get_services()
        write = idempotent_write_of(request, caller, services)
        raw = await json_body(request)
        body = validate(_CREATE_JOB, raw)
        # v3 serves export items only for companies whose accounts have contra accounts: nor creates jobs.
        precondition = services.accounting_settings.require_contra_accounts if version.needs_contra_accounts else None
        return write.run(
            "createExportJob",
            raw,
            lambda: services.jobs.create(caller, body, precondition),
            _JOB,
            lambda job: ContractJSONResponse({"data": version.jobs.job_body(job)}, version.create_status_code),
            scope=Scope.EXPORT_JOBS_WRITE,
            owns=lambda: caller.company(body.company_id, parameter="companyId"),
        )

    @router.get(
        "/export-jobs/{jobId}",
        operation_id=version.operation_id("getExportJobById"),
        openapi_extra=openapi_parameters(JOB_ID),
    )
    async def get_export_job(request: Request) -> Response:
        job_id = read_path_uuid(request, "jobId")
        caller = caller_of(request)
        job = get_services().jobs.read(caller, job_id)
        return ContractJSONResponse({"data": version.jobs.job_body(job)})

    @router.get(
        "/export-jobs/{jobId}/items",
        operation_id=version.operation_id("getExportJobItems"),
        openapi_extra=openapi_parameters(JOB_ID, PAGE_QUERY, ITEM_STATUS),
    )
    async def list_export_job_items(http_request: Request) -> Response:
        job_id = read_path_uuid(http_request, "jobId")
        caller = caller_of(http_request)
        services = get_services()
        paging = read_page_params(http_request, caller)
        status = read_query(http_request, "status", _ITEM_STATUS)
        filters = {"jobId": [str(job_id)], **({"status": [status.value]} if status else {})}
        request = paging.request(ListQuery("export-job-items", filters, ITEM_SORTING_KEYS), services.settings)
        page, total = services.jobs.list_items(caller, job_id, status, request)
        data = [version.jobs.job_item_body(item) for item in page.items]
        return paginated(data, page, request, services.settings, total)

    updates_adapter = TypeAdapter(list[version.jobs.item_update])  # type: ignore[name-defined]

    @router.put(
        "/export-jobs/{jobId}/items",
        operation_id=version.operation_id("updateExportJobItems"),
        openapi_extra=openapi_parameters(JOB_ID),
    )
    async def update_export_job_items(request: Request) -> Response:
        job_id = read_path_uuid(request, "jobId")
        caller = caller_of(request)
        services = get_services()
        write = idempotent_write_of(request, caller, services)
        raw_items = require_array(await json_body(request))
        # The batch limit is checked before the elements, so 150 items get the limit error, not a field error.
        check_update_batch_size(len(raw_items))
        updates = [update.to_domain() for update in validate(updates_adapter, raw_items)]
        return write.run(
            "updateExportJobItems",
            raw_items,
            lambda: services.jobs.update_items(caller, job_id, updates),
            _ITEM_UPDATE,
            lambda update: ContractJSONResponse(version.jobs.item_update_body(update)),
            scope=Scope.EXPORT_JOBS_WRITE,
            owns=lambda: services.jobs.get(caller, job_id),
        )

    return router


def export_job_items_router(version: VersionAdapter) -> APIRouter:
    """/vN/export-job-items: job items found by accounting entry (published for v3 only, `x-exclude`)."""
    router = APIRouter(prefix=version.prefix, tags=[f"Export API ({version.name})"])

    @router.get(
        "/export-job-items",
        operation_id=version.operation_id("getExportJobItemByAccountingEntryId"),
        openapi_extra=openapi_parameters(COMPANY_ID, parameter("accounting_entry_id", "query", UUID_SCHEMA)),
    )
    async def get_export_job_item_by_accounting_entry_id(request: Request) -> Response:
        caller = caller_of(request)
        services = get_services()
        company_id = _company_id(request)
        accounting_entry_id = read_query(request, "accounting_entry_id", UUID_ADAPTER)
        item = services.entry_job_items.get(caller, company_id, accounting_entry_id)
        return ContractJSONResponse({"data": version.jobs.job_item_body(item)})

    @router.post(
        "/export-job-items:search",
        operation_id=version.operation_id("searchExportJobItems"),
        deprecated=True,
        openapi_extra=openapi_parameters(PAGE_QUERY, COMPANY_ID),
    )
    async def search_export_job_items(request: Request) -> Response:
        caller = caller_of(request)
        services = get_services()
        paging = read_page_params(request, caller)
        company_id = _company_id(request)
        body = validate(_SEARCH, await json_body(request))
        filters = {
            "accountingEntryIds": sorted(str(e) for e in body.accounting_entry_ids),
            **({"status": [body.status.value]} if body.status else {}),
            **({"company_id": [str(company_id)]} if company_id else {}),
        }
        page_request = paging.request(
            ListQuery("export-job-items:search", filters, ITEM_SORTING_KEYS), services.settings
        )
        page, total = services.entry_job_items.search(
            caller, company_id, body.accounting_entry_ids, body.status, page_request
        )
        data = [version.jobs.job_item_body(item) for item in page.items]
        return paginated(data, page, page_request, services.settings, total)

    return router
