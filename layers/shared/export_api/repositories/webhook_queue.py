"""The webhook delivery queue (SQS) and its dead-letter queue.

A queue message names one stored webhook message (`{"messageId": ...}`); the payload itself is read
from the webhooks table, so a redelivery sends exactly the bytes of the first attempt.
"""

import json
from collections.abc import Sequence
from typing import Any

from export_api.repositories import aws

# SendMessageBatch takes at most 10 entries.
_BATCH = 10
# SQS allows a message's visibility timeout to be set to at most 12 hours.
MAX_VISIBILITY_SECONDS = 43_200


class WebhookQueue:
    def __init__(self, queue_url: str, dead_letter_queue_url: str | None) -> None:
        self.queue_url = queue_url
        self.dead_letter_queue_url = dead_letter_queue_url

    @property
    def _sqs(self) -> Any:
        return aws.client("sqs")

    def enqueue(self, message_ids: Sequence[str], delay_seconds: int = 0) -> None:
        for start in range(0, len(message_ids), _BATCH):
            chunk = message_ids[start : start + _BATCH]
            entries = [
                {"Id": str(i), "MessageBody": json.dumps({"messageId": m}), "DelaySeconds": delay_seconds}
                for i, m in enumerate(chunk)
            ]
            response = self._sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = response.get("Failed") or []
            if failed:
                # Raised so the caller's retry (the workflow step's) sends them again.
                raise RuntimeError(f"SQS refused {len(failed)} webhook messages: {failed[0].get('Message')}")

    def retry_later(self, receipt_handle: str, delay_seconds: int) -> None:
        """Keep a received message hidden for the backoff delay: SQS delivers it again after it."""
        self._sqs.change_message_visibility(
            QueueUrl=self.queue_url,
            ReceiptHandle=receipt_handle,
            VisibilityTimeout=max(0, min(delay_seconds, MAX_VISIBILITY_SECONDS)),
        )

    def dead_letter(self, message_id: str, reason: str) -> None:
        if not self.dead_letter_queue_url:
            return
        self._sqs.send_message(
            QueueUrl=self.dead_letter_queue_url,
            MessageBody=json.dumps({"messageId": message_id, "reason": reason}),
        )
