"""WebhookDeliveryFunction: the webhook delivery queue's consumer (SQS event source mapping with
ReportBatchItemFailures). Each record is one message to one subscriber; a record that must be retried
is reported as failed, with its visibility already extended to the backoff delay."""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from export_api.bootstrap import TABLES, WEBHOOK_DELIVERY, WEBHOOKS, Function, build
from export_api.observability import get_logger
from export_api.services.container import building, get_services
from export_api.services.webhook_delivery import QueuedMessage

logger = get_logger("webhook-delivery")
# A batch whose records all wait for a retry is not an error of the function: no whole-batch raise.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    delivery = get_services().webhook_delivery
    if delivery is None:
        raise RuntimeError("WEBHOOK_QUEUE_URL is not set: WebhookDeliveryFunction cannot deliver.")
    body = json.loads(record.body)
    delivery.deliver(
        QueuedMessage(
            message_id=str(body["messageId"]),
            receive_count=int(record.attributes.approximate_receive_count),
            receipt_handle=record.receipt_handle,
        )
    )


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)


FUNCTION = Function(
    service="webhook-delivery",
    settings=(TABLES, WEBHOOKS, WEBHOOK_DELIVERY),
    step=_handle,
    services=building(lambda s: s.webhook_delivery),
)
handler = build(FUNCTION)
