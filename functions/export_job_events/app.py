"""ExportJobEventsFunction: /vN/export-job-events."""

from aws_lambda_powertools.logging import correlation_paths
from export_api.bootstrap import GET_ITEM, IDEMPOTENCY, TABLES, WORKFLOW, Function, build
from export_api.http.app import HttpApi
from export_api.http.events import export_job_events_router
from export_api.services.container import building
from export_api.versions import VERSIONS

FUNCTION = Function(
    service="export-job-events",
    settings=(TABLES, IDEMPOTENCY, WORKFLOW),
    api=HttpApi(title="Export job events", routers=tuple(export_job_events_router(version) for version in VERSIONS)),
    services=building(lambda s: (s.events, s.idempotency, s.workflow)),
    warm=(GET_ITEM,),
    # Every event that moves a job resumes its execution (SendTaskSuccess).
    warm_workflow=True,
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
)
handler = build(FUNCTION)
