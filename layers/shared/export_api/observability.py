"""Logs, metrics and traces (AWS Lambda Powertools), in one place for every Lambda handler.

- **Logs**: structured JSON on stdout, one Powertools `Logger` per service (function group), with
  the Lambda context, the cold start flag and, for API requests, API Gateway's request id as
  `correlation_id`. Code that works on a job calls `bind_job(job_id)`: every later line of the
  invocation carries `job_id`. `instrument()` clears those keys at the start of each invocation.
- **Metrics**: CloudWatch embedded metric format (EMF) on stdout, namespace from
  `POWERTOOLS_METRICS_NAMESPACE`, flushed at the end of each invocation by `log_metrics` around the
  *Lambda* handler (not the ASGI app: Mangum runs it per request, inside the handler). Counters that
  carry a status or a reason go out as single-metric records (one EMF record per dimension value).
  The `record_*` functions below are the only way the code emits them.
- **Traces**: Powertools `Tracer` (X-Ray subsegments for the handler and for botocore calls) only
  when tracing is on. `Tracer()` imports the X-Ray SDK even when it is disabled (~200 ms on its own,
  ~10 ms once boto3 is loaded, and its default `patch_all` adds ~35 ms importing every library X-Ray
  can patch), so it is not even constructed when `POWERTOOLS_TRACE_DISABLED` is true or outside
  Lambda (tests, the local server, `sam local`); when on, only botocore is patched. Lambda's own
  active tracing records the function's segment either way.
"""

import functools
import io
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Any, cast
from uuid import UUID

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

if TYPE_CHECKING:  # the X-Ray SDK behind it is imported only when tracing is on
    from aws_lambda_powertools import Tracer

LambdaHandler = Callable[[Any, Any], Any]

DEFAULT_SERVICE = "export-api"
DEFAULT_NAMESPACE = "ExportApi"
# Business metrics are about the API, not about the function that happens to emit them (a job is
# closed by an event or by its workflow's expiry): one `service` dimension value for all of them.
METRICS_SERVICE = "export-api"


class Metric(StrEnum):
    JOBS_CREATED = "JobsCreated"
    JOBS_STARTED = "JobsStarted"
    # dimension `status`: completed, completed_with_errors, failed
    JOBS_CLOSED = "JobsClosed"
    # dimension `status`: the item's new status
    ITEMS_UPDATED = "ItemsUpdated"
    # dimension `reason`: the error type the event was refused with
    EVENTS_REJECTED = "EventsRejected"
    # dimension `reason`: job_expired (never started in time) or service_timeout (never finished)
    JOBS_EXPIRED = "JobsExpired"
    # Webhook delivery attempts (WebhookDeliveryFunction): the failure-rate alarm divides the two.
    WEBHOOK_DELIVERIES_SUCCEEDED = "WebhookDeliveriesSucceeded"
    WEBHOOK_DELIVERIES_FAILED = "WebhookDeliveriesFailed"
    # dimension `authorizer`: api or admin. A rejected credential is the caller's mistake, but the
    # authorizer must raise to have API Gateway answer 401, which Lambda counts as an error: the errors
    # alarms subtract these.
    CREDENTIALS_REJECTED = "CredentialsRejected"


class _Stdout(io.TextIOBase):
    """Whatever `sys.stdout` is at the time of writing (Lambda's stdout; a test's capture)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


_STDOUT = cast(IO[str], _Stdout())


@dataclass(frozen=True)
class _NoContext:
    """Stands in for the Lambda context when local tooling invokes a handler without one."""

    function_name: str
    memory_limit_in_mb: int = 0
    invoked_function_arn: str = ""
    aws_request_id: str = ""


_loggers: dict[str, Logger] = {}
_current: Logger | None = None
_bound_job_id: str | None = None


class _EMFProvider(AmazonCloudWatchEMFProvider):
    """Flushes only when there is something to flush: a GET publishes no application metric, and
    Powertools would warn about that on every one of them."""

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        if self.metric_set or raise_on_empty_metrics:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)


_metrics = Metrics(
    provider=_EMFProvider(
        namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE, service=METRICS_SERVICE
    )
)


def get_logger(service: str | None = None) -> Logger:
    """The logger of `service`, or of the function being invoked, or of the process."""
    if service is None:
        if _current is not None:
            return _current
        service = os.getenv("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE
    logger = _loggers.get(service)
    if logger is None:
        logger = _loggers[service] = Logger(service=service, stream=_STDOUT)
    return logger


def bind_job(job_id: UUID | str) -> None:
    """From here to the end of the invocation, every log line carries `job_id` (and so does the trace)."""
    global _bound_job_id
    _bound_job_id = str(job_id)
    get_logger().append_keys(job_id=_bound_job_id)


def tracing_enabled() -> bool:
    """Whether Powertools would trace here: in Lambda, not under `sam local`, not switched off."""
    disabled = os.getenv("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in ("1", "true", "yes", "on", "y")
    return not disabled and bool(os.getenv("LAMBDA_TASK_ROOT")) and not os.getenv("AWS_SAM_LOCAL")


@functools.cache
def get_tracer(service: str, trace_aws_calls: bool = True) -> "Tracer | None":
    """The Tracer of `service` when tracing is on, else None; built (and the X-Ray SDK imported) once.

    `trace_aws_calls` patches botocore (a subsegment per DynamoDB or Step Functions call), importing
    it at init if the function has not yet; patch_all would import and patch every library X-Ray
    knows that happens to be installed.
    """
    if not tracing_enabled():
        return None
    from aws_lambda_powertools import Tracer

    if trace_aws_calls:
        return Tracer(service=service, patch_modules=["botocore"])
    return Tracer(service=service, auto_patch=False)


def instrument(
    handler: LambdaHandler, service: str, correlation_id_path: str | None = None, trace_aws_calls: bool = True
) -> LambdaHandler:
    """Wrap a Lambda handler: logger context and correlation id, metrics flush, tracing if on.

    `correlation_id_path` is a JMESPath into the event (`correlation_paths.API_GATEWAY_REST` for
    API Gateway proxy events and REQUEST authorizers). Use it for every handler, the workflow's too:
    `handler = instrument(run_step, service="job-workflow")`. `trace_aws_calls=False` leaves botocore
    unpatched: no subsegment per AWS call (the authorizer).

    Every function's last step of init (export_api.bootstrap).
    """
    logger = get_logger(service)
    tracer = get_tracer(service, trace_aws_calls)

    @functools.wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        global _current, _bound_job_id
        _current, _bound_job_id = logger, None
        try:
            return handler(event, context)
        finally:
            if tracer is not None:
                if _bound_job_id:
                    tracer.put_annotation("job_id", _bound_job_id)
                if logger.get_correlation_id():
                    tracer.put_annotation("correlation_id", str(logger.get_correlation_id()))

    wrapped: LambdaHandler = logger.inject_lambda_context(
        invoke, correlation_id_path=correlation_id_path, clear_state=True
    )
    # Powertools prints its cold-start record even with POWERTOOLS_METRICS_DISABLED set.
    wrapped = _metrics.log_metrics(wrapped, capture_cold_start_metric=not is_metrics_disabled())
    if tracer is not None:
        # Never the response as trace metadata: it is accounting data and job details (X-Ray keeps it
        # outside the tenant's reach and for 30 days). Errors are still recorded.
        wrapped = tracer.capture_lambda_handler(wrapped, capture_response=False)
    no_context = _NoContext(function_name=service)

    @functools.wraps(handler)
    def entry(event: Any, context: Any) -> Any:
        return wrapped(event, no_context if context is None else context)

    return entry


# Metrics ----------------------------------------------------------------------------------------


def _count(metric: Metric, value: int = 1) -> None:
    _metrics.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)


def _count_by(metric: Metric, dimension: str, value: str, count: int = 1) -> None:
    # single_metric prints its record even when POWERTOOLS_METRICS_DISABLED is set (make run sets it).
    if is_metrics_disabled():
        return
    with single_metric(
        name=metric.value,
        unit=MetricUnit.Count,
        value=count,
        namespace=_metrics.provider.namespace,
        default_dimensions={"service": METRICS_SERVICE},
    ) as record:
        record.add_dimension(name=dimension, value=value)


def record_job_created() -> None:
    _count(Metric.JOBS_CREATED)


def record_job_started() -> None:
    _count(Metric.JOBS_STARTED)


def record_job_closed(status: str) -> None:
    _count_by(Metric.JOBS_CLOSED, "status", str(status))


def record_items_updated(statuses: Iterable[str]) -> None:
    """One record per status among the items written, with the number of items that got it."""
    for status, count in sorted(Counter(str(s) for s in statuses).items()):
        _count_by(Metric.ITEMS_UPDATED, "status", status, count)


def record_event_rejected(reason: str) -> None:
    _count_by(Metric.EVENTS_REJECTED, "reason", reason)


def record_job_expired(reason: str = "job_expired") -> None:
    """The workflow failed a job that timed out: `JobsExpired{reason}` and `JobsClosed{status=failed}`.

    `reason` is the failure reason type: `job_expired` (AwaitStart timed out) or `service_timeout`
    (AwaitFinish timed out). Call it once the job's failing write succeeded, and call nothing else
    for that transition (it counts the close too).
    """
    _count_by(Metric.JOBS_EXPIRED, "reason", str(reason))
    record_job_closed("failed")


def record_rejected_credential(authorizer: str) -> None:
    _count_by(Metric.CREDENTIALS_REJECTED, "authorizer", authorizer)


def record_webhook_attempt(succeeded: bool) -> None:
    _count(Metric.WEBHOOK_DELIVERIES_SUCCEEDED if succeeded else Metric.WEBHOOK_DELIVERIES_FAILED)
