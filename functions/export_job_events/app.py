"""ExportJobEventsFunction: /vN/export-job-events."""

from export_api.http.app import create_app, lambda_handler
from export_api.http.events import export_job_events_router
from export_api.startup import IDEMPOTENCY, TABLES, WORKFLOW, prepare_services, rehearse_reads, require_configuration
from export_api.versions import VERSIONS

require_configuration("export-job-events", TABLES, IDEMPOTENCY, WORKFLOW)
prepare_services("events", "idempotency", "workflow")
rehearse_reads("export-job-events", "get_item")

app = create_app("Export job events", [export_job_events_router(version) for version in VERSIONS])
handler = lambda_handler(app, service="export-job-events")
