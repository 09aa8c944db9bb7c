"""ExportJobsFunction: /vN/export-jobs, /vN/export-jobs/{jobId}, /vN/export-jobs/{jobId}/items, and v3's
/export-job-items (job items by accounting entry)."""

from aws_lambda_powertools.logging import correlation_paths
from export_api.bootstrap import CURSORS, GET_ITEM, IDEMPOTENCY, QUERY, TABLES, WORKFLOW, Function, build
from export_api.http.app import HttpApi
from export_api.http.jobs import export_job_items_router, export_jobs_router
from export_api.services.container import building
from export_api.versions import VERSIONS, v3

FUNCTION = Function(
    service="export-jobs",
    settings=(TABLES, IDEMPOTENCY, CURSORS, WORKFLOW),
    api=HttpApi(
        title="Export jobs",
        routers=(*(export_jobs_router(version) for version in VERSIONS), export_job_items_router(v3.ADAPTER)),
    ),
    services=building(lambda s: (s.jobs, s.entry_job_items, s.accounting_settings, s.idempotency, s.workflow)),
    warm=(GET_ITEM, QUERY),
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
)
handler = build(FUNCTION)
