"""JobWorkflowFunction: the Task states of the ExportJobLifecycle state machine
(statemachine/export_job.asl.json). A plain Lambda handler: one step per invocation."""

from typing import Any

from export_api.bootstrap import TABLES, WEBHOOK_QUEUE, WEBHOOKS, Function, build
from export_api.models.workflow import WorkflowStep
from export_api.observability import bind_job, get_logger
from export_api.services.container import building, get_services
from pydantic import TypeAdapter

logger = get_logger("job-workflow")
_STEP: TypeAdapter[WorkflowStep] = TypeAdapter(WorkflowStep)


def _run_step(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
    # An invalid event raises: the Task state fails with the error type, visible in the history.
    step = _STEP.validate_python(event)
    bind_job(step.job_id)
    logger.append_keys(step=step.action)
    return get_services().lifecycle.run(step)


FUNCTION = Function(
    service="job-workflow",
    # Webhooks too: a workflow that could not announce its jobs would lose events silently.
    settings=(TABLES, WEBHOOKS, WEBHOOK_QUEUE),
    step=_run_step,
    services=building(lambda s: s.lifecycle),
)
# Logs with the job id (cleared per step), metrics flushed per invocation, traced when tracing is on.
handler = build(FUNCTION)
