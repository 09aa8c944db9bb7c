"""The template's SQS queues in the AWS emulator, and the event source mappings that feed functions.

`create_queues` makes every AWS::SQS::Queue of template.yaml (attributes and redrive policy included).
`SqsEventSource` stands in for Lambda's SQS event source mapping of a function (its `Events` of type
SQS): it receives up to BatchSize messages, builds the event Lambda would send, runs the function's
handler in this process (as export_api_local.lambda_hook does for Step Functions' tasks), and deletes
the messages the handler did not report in `batchItemFailures` (ReportBatchItemFailures). A failed
message stays in the queue and comes back after its visibility timeout, as on AWS.
"""

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from export_api_local.apigw import LambdaContext
from export_api_local.lambda_hook import Handler, template_handler
from export_api_local.template import resources_of_type

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Queue:
    logical_id: str
    name: str
    url: str
    arn: str


def _queue_name(stack_name: str, logical_id: str) -> str:
    return f"{stack_name}-{logical_id}"[:80]


def create_queues(sqs: Any, stack_name: str = "export-api-local") -> dict[str, Queue]:
    """Create (or find) the template's queues; dead-letter queues first, so redrive policies can name them."""
    declared = resources_of_type("AWS::SQS::Queue")
    created: dict[str, Queue] = {}
    ordered = sorted(declared, key=lambda logical_id: "RedrivePolicy" in declared[logical_id])
    for logical_id in ordered:
        properties = declared[logical_id]
        attributes: dict[str, str] = {}
        for name in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds"):
            if name in properties:
                attributes[name] = str(properties[name])
        redrive = properties.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"]
            target_id = target.split(".")[0] if isinstance(target, str) else target[0]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": created[target_id].arn, "maxReceiveCount": int(redrive["maxReceiveCount"])}
            )
        name = _queue_name(stack_name, logical_id)
        url = str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
        arn = str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
        created[logical_id] = Queue(logical_id, name, url, arn)
    return created


@dataclass(frozen=True)
class SqsMapping:
    function: str
    queue: str
    batch_size: int
    report_batch_item_failures: bool


def sqs_mappings() -> list[SqsMapping]:
    """Every `Type: SQS` event of the template's functions."""
    found = []
    for function, properties in resources_of_type("AWS::Serverless::Function").items():
        for event in (properties.get("Events") or {}).values():
            if event.get("Type") != "SQS":
                continue
            event_properties = event["Properties"]
            target = event_properties["Queue"]["Fn::GetAtt"]
            queue = target.split(".")[0] if isinstance(target, str) else target[0]
            found.append(
                SqsMapping(
                    function=function,
                    queue=queue,
                    batch_size=int(event_properties.get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in (event_properties.get("FunctionResponseTypes") or []),
                )
            )
    return found


def lambda_sqs_event(messages: list[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping sends for received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes") or {}),
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class SqsEventSource:
    """One function's SQS event source mapping, polled in this process."""

    def __init__(
        self,
        sqs: Any,
        mapping: SqsMapping,
        queue: Queue,
        region: str,
        handler: Handler | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.sqs = sqs
        self.mapping = mapping
        self.queue = queue
        self.region = region
        self.handler = handler or template_handler(mapping.function)
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.batches = 0

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive one batch and run the handler on it; returns how many messages it held."""
        received = self.sqs.receive_message(
            QueueUrl=self.queue.url,
            MaxNumberOfMessages=min(self.mapping.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = lambda_sqs_event(received, self.queue.arn, self.region)
        context = LambdaContext(function_name=self.mapping.function, aws_request_id=str(uuid.uuid4()))
        try:
            result = self.handler(event, context) or {}
        except Exception as error:
            # As on AWS: the whole batch returns to the queue after its visibility timeout.
            logger.exception("%s failed on a batch of %d messages", self.mapping.function, len(received))
            if self.on_error:
                self.on_error(error)
            return len(received)
        self.batches += 1
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
        if not self.mapping.report_batch_item_failures and failed:
            return len(received)
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(received)

    def drain(self, timeout_seconds: float = 10.0, idle_polls: int = 1) -> int:
        """Poll until the queue gives nothing `idle_polls` times in a row (or the timeout); returns messages seen."""
        deadline = time.monotonic() + timeout_seconds
        seen, idle = 0, 0
        while idle < idle_polls and time.monotonic() < deadline:
            count = self.poll_once()
            seen += count
            idle = 0 if count else idle + 1
        return seen

    def start(self, wait_seconds: int = 1) -> None:
        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.poll_once(wait_seconds)
                except Exception:
                    if self._stop.is_set():
                        return
                    logger.exception("polling %s failed", self.queue.name)
                    self._stop.wait(1)

        self._thread = threading.Thread(target=run, name=f"sqs-{self.mapping.function}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
