"""Admin: every company's export jobs, one job and its items (docs/admin-api.openapi.yaml).

The job's body is the contract's ExportJob (v3) with its item counts by status, which the contract's
job has no field for.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from export_api.http.pagination import PAGE_QUERY, ListQuery, PageParams, page_params, paginated
from export_api.http.params import CallerDep
from export_api.http.responses import ContractJSONResponse, body_of
from export_api.http.services import ServicesDep
from export_api.models.base import Uuid
from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import ExportJob

JOB_SORTING_KEYS = ("createdAt",)
ITEM_SORTING_KEYS = ("accountingEntryId",)

JobId = Annotated[Uuid, Path(alias="jobId")]


def admin_job_body(job: ExportJob) -> dict[str, Any]:
    # Keyed by the item statuses themselves (`in_progress`), as the items' `status` says them.
    return {**body_of(job), "itemCounts": {status.value: job.item_counts.of(status) for status in ExportJobItemStatus}}


def admin_jobs_router() -> APIRouter:
    router = APIRouter(tags=["Admin"])

    @router.get("/admin/export-jobs", operation_id="listAllExportJobs", openapi_extra=PAGE_QUERY)
    async def list_all_export_jobs(
        caller: CallerDep,
        services: ServicesDep,
        paging: Annotated[PageParams, Depends(page_params)],
        statuses: Annotated[list[ExportJobStatus] | None, Query()] = None,
        company_id: Annotated[Uuid | None, Query()] = None,
    ) -> Response:
        wanted = set(statuses or [])
        filters = {"statuses": sorted(s.value for s in wanted)} if wanted else {}
        if company_id:
            filters["company_id"] = [str(company_id)]
        request = paging.request(ListQuery("admin-export-jobs", filters, JOB_SORTING_KEYS), services.settings)
        page, total = services.admin_jobs.list(caller, company_id, wanted, request)
        return paginated([admin_job_body(job) for job in page.items], page, request, services.settings, total)

    @router.get("/admin/export-jobs/{jobId}", operation_id="getAnyExportJob")
    async def get_any_export_job(
        job_id: JobId,
        caller: CallerDep,
        services: ServicesDep,
    ) -> Response:
        return ContractJSONResponse({"data": admin_job_body(services.admin_jobs.get(caller, job_id))})

    @router.get("/admin/export-jobs/{jobId}/items", operation_id="listAnyExportJobItems", openapi_extra=PAGE_QUERY)
    async def list_any_export_job_items(
        job_id: JobId,
        caller: CallerDep,
        services: ServicesDep,
        paging: Annotated[PageParams, Depends(page_params)],
        status: Annotated[ExportJobItemStatus | None, Query()] = None,
    ) -> Response:
        filters = {"jobId": [str(job_id)], **({"status": [status.value]} if status else {})}
        request = paging.request(ListQuery("admin-export-job-items", filters, ITEM_SORTING_KEYS), services.settings)
        page, total = services.admin_jobs.list_items(caller, job_id, status, request)
        return paginated([body_of(item) for item in page.items], page, request, services.settings, total)

    return router
