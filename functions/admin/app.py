"""AdminFunction: /admin/... (the project's own API) and /health."""

from aws_lambda_powertools.logging import correlation_paths
from export_api.bootstrap import CURSORS, GET_ITEM, IDEMPOTENCY, TABLES, WORKFLOW, Function, build
from export_api.http.admin import admin_router, load_entry_models
from export_api.http.admin_jobs import admin_jobs_router
from export_api.http.app import HttpApi
from export_api.http.executions import job_executions_router
from export_api.services.container import building
from fastapi import APIRouter


def _test_helpers() -> APIRouter:
    # Imported here: where the test helpers are disabled (the template's default) their models are never built.
    from export_api.http.test_helpers import test_helpers_router

    return test_helpers_router()


FUNCTION = Function(
    service="admin",
    settings=(TABLES, IDEMPOTENCY, CURSORS, WORKFLOW),
    api=HttpApi(
        title="Export API admin",
        routers=(admin_router(), admin_jobs_router(), job_executions_router()),
        # Routed only while TEST_HELPERS is enabled (template parameter TestHelpers); elsewhere their paths
        # answer 404.
        test_helpers=(_test_helpers,),
    ),
    services=building(
        lambda s: (
            s.accounting_entries,
            s.accounting_settings,
            s.health,
            s.admin_jobs,
            s.executions,
            s.idempotency,
            s.workflow,
        )
    ),
    warm=(GET_ITEM,),
    before_snapshot=(load_entry_models,),
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
)
handler = build(FUNCTION)
