"""AdminFunction: /admin/... (the project's own API) and /health."""

from export_api.http.admin import admin_router
from export_api.http.admin_jobs import admin_jobs_router
from export_api.http.app import create_app, lambda_handler
from export_api.http.executions import job_executions_router
from export_api.startup import (
    CURSORS,
    IDEMPOTENCY,
    TABLES,
    WORKFLOW,
    prepare_services,
    rehearse_reads,
    require_configuration,
)

require_configuration("admin", TABLES, IDEMPOTENCY, CURSORS, WORKFLOW)
prepare_services(
    "accounting_entries", "accounting_settings", "health", "admin_jobs", "executions", "idempotency", "workflow"
)
rehearse_reads("admin", "get_item")

app = create_app("Export API admin", [admin_router(), admin_jobs_router(), job_executions_router()])
handler = lambda_handler(app, service="admin")
