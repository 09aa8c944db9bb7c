"""ExportJobsFunction: /vN/export-jobs, /vN/export-jobs/{jobId}, /vN/export-jobs/{jobId}/items, and v3's
/export-job-items (job items by accounting entry)."""

from export_api.http.app import create_app, lambda_handler
from export_api.http.jobs import export_job_items_router, export_jobs_router
from export_api.startup import (
    CURSORS,
    IDEMPOTENCY,
    TABLES,
    WORKFLOW,
    prepare_services,
    rehearse_reads,
    require_configuration,
)
from export_api.versions import VERSIONS, v3

require_configuration("export-jobs", TABLES, IDEMPOTENCY, CURSORS, WORKFLOW)
prepare_services("jobs", "entry_job_items", "accounting_settings", "idempotency", "workflow")
rehearse_reads("export-jobs", "get_item", "query")

app = create_app(
    "Export jobs", [export_jobs_router(version) for version in VERSIONS] + [export_job_items_router(v3.ADAPTER)]
)
handler = lambda_handler(app, service="export-jobs")
