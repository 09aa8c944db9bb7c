"""ExportJobsFunction: /vN/export-jobs, /vN/export-jobs/{jobId}, /vN/export-jobs/{jobId}/items."""

from export_api.http.app import create_app, lambda_handler
from export_api.http.jobs import export_jobs_router
from export_api.startup import CURSORS, IDEMPOTENCY, TABLES, WORKFLOW, require_configuration
from export_api.versions import VERSIONS

require_configuration("export-jobs", TABLES, IDEMPOTENCY, CURSORS, WORKFLOW)

app = create_app("Export jobs", [export_jobs_router(version) for version in VERSIONS])
handler = lambda_handler(app, service="export-jobs")
