"""Section 6: webhooks. What one job event costs in AWS requests (publishing it to S subscribers and
delivering each message), and how many deliveries per second WebhookDeliveryFunction sustains in one
process against a local receiver that answers at once.

The rate is one Lambda instance's: the handler runs batch after batch (BatchSize from template.yaml)
from the queue in moto, with the real signing and HTTP client. On AWS the event source mapping runs up
to WebhookDeliveryMaxConcurrency instances side by side; a slow receiver, not the function, then sets
the pace (each attempt waits for its answer, up to 15 s).
"""

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import uuid4

import boto3
from export_api.models.caller import Caller, Scope
from export_api.models.enums import ExportJobStatus
from export_api.models.jobs import ExportJob
from export_api.models.webhooks import SubscriptionRequest, WebhookEventType
from export_api.services.container import get_services
from export_api.services.webhook_events import WebhookEventPublisher
from export_api.settings import get_settings

from benchmarks.config import Sizes
from benchmarks.meter import Figures, Meter
from benchmarks.report import Row
from export_api_local.queues import SqsEventSource, create_queues, sqs_mappings
from export_api_local.template import table_definition

SUBSCRIBERS = 10
_SCOPES = (Scope.EXPORT_JOBS_READ.value, Scope.EXPORT_JOBS_WRITE.value)
_TABLE = "bench-webhooks"


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def webhooks_environment() -> Iterator[SqsEventSource]:
    sqs = boto3.client("sqs")
    queues = create_queues(sqs, stack_name="bench")
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(**table_definition("WebhooksTable", _TABLE))
    saved = {
        k: os.environ.get(k) for k in ("WEBHOOK_QUEUE_URL", "WEBHOOK_DEAD_LETTER_QUEUE_URL", "WEBHOOKS_TABLE_NAME")
    }
    os.environ.update(
        {
            "WEBHOOK_QUEUE_URL": queues["WebhookDeliveryQueue"].url,
            "WEBHOOK_DEAD_LETTER_QUEUE_URL": queues["WebhookDeliveryDeadLetterQueue"].url,
            "WEBHOOKS_TABLE_NAME": _TABLE,
            "WEBHOOK_LOCAL_MODE": "true",
            "WEBHOOK_MAX_SUBSCRIPTIONS_PER_COMPANY": "1000",
        }
    )
    get_settings.cache_clear()
    get_services.cache_clear()
    (mapping,) = [m for m in sqs_mappings() if m.function == "WebhookDeliveryFunction"]
    try:
        yield SqsEventSource(sqs, mapping, queues[mapping.queue], os.environ["AWS_DEFAULT_REGION"])
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        os.environ.pop("WEBHOOK_LOCAL_MODE", None)
        os.environ.pop("WEBHOOK_MAX_SUBSCRIPTIONS_PER_COMPANY", None)
        dynamodb.delete_table(TableName=_TABLE)
        for queue in queues.values():
            sqs.delete_queue(QueueUrl=queue.url)
        get_settings.cache_clear()
        get_services.cache_clear()


def _job(company_id: Any, status: ExportJobStatus = ExportJobStatus.PENDING) -> ExportJob:
    now = datetime.now(UTC)
    return ExportJob(
        id=uuid4(),
        company_id=company_id,
        status=status,
        created_at=now,
        last_updated_at=now,
        expires_in=86_400,
        is_interactive=True,
        number_of_items=10,
        vendor_based_bookkeeping=False,
    )


def _per(figures: Figures, count: int) -> str:
    ops = figures.by_operation
    parts = [f"{n / count:g} {op}" for op, n in sorted(ops.items())]
    return ", ".join(parts) if parts else "none"


def run(meter: Meter, sizes: Sizes) -> list[Row]:
    messages = sizes.webhook_messages
    rows: list[Row] = []
    with webhooks_environment() as source, receiver() as url:
        services = get_services()
        company = uuid4()
        owner = Caller(principal_id="bench", company_ids=frozenset({company}), scopes=frozenset(_SCOPES))
        for _ in range(SUBSCRIBERS):
            services.subscriptions.create(
                owner, None, SubscriptionRequest(endpoint_url=url, event_types=[WebhookEventType.EXPORT_JOB_CREATED])
            )
        publisher = services.webhook_events
        assert isinstance(publisher, WebhookEventPublisher)
        with meter.measure() as publishing:
            queued = publisher.publish(_job(company))
        with meter.measure() as delivering:
            delivered = source.drain(timeout_seconds=60)
        rows.append(
            Row(
                "6 webhooks",
                f"publish 1 event to {SUBSCRIBERS} subscribers",
                f"{publishing.requests()} DynamoDB + {publishing.requests('sqs')} SQS requests",
                details={"per_event": _per(publishing, 1), "queued": queued, **publishing.as_dict()},
            )
        )
        rows.append(
            Row(
                "6 webhooks",
                "deliver 1 message (success)",
                f"{delivering.requests() / max(delivered, 1):g} DynamoDB + "
                f"{delivering.requests('sqs') / max(delivered, 1):g} SQS requests",
                details={"per_message": _per(delivering, max(delivered, 1)), "messages": delivered},
            )
        )
        # Throughput: many messages, one instance, batches as the event source mapping sends them.
        jobs = [_job(company) for _ in range(max(1, messages // SUBSCRIBERS))]
        with meter.ignored():
            for job in jobs:
                publisher.publish(job)
            started = time.perf_counter()
            count = source.drain(timeout_seconds=600)
            elapsed = time.perf_counter() - started
        rows.append(
            Row(
                "6 webhooks",
                f"deliveries per second, one instance ({count} messages, batches of {source.mapping.batch_size})",
                f"{count / elapsed:.0f}/s",
                details={"messages": count, "seconds": round(elapsed, 2)},
            )
        )
    return rows
