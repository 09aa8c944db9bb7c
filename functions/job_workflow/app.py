"""JobWorkflowFunction: the Task states of the ExportJobLifecycle state machine
(statemachine/export_job.asl.json). A plain Lambda handler: one step per invocation."""

from typing import Any

from aws_lambda_powertools import Logger
from export_api.models.workflow import WorkflowStep
from export_api.services.container import get_services
from pydantic import TypeAdapter

logger = Logger(service="job-workflow")
_STEP: TypeAdapter[WorkflowStep] = TypeAdapter(WorkflowStep)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
    # An invalid event raises: the Task state fails with the error type, visible in the history.
    step = _STEP.validate_python(event)
    logger.append_keys(job_id=str(step.job_id), step=step.action)
    return get_services().lifecycle.run(step)
