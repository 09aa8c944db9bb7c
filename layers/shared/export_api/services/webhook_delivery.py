"""One delivery attempt of one queued message (WebhookDeliveryFunction), and what follows from it.

Success: the message is delivered. Failure: the attempt is recorded, and the message is retried after
the next delay of the schedule (its visibility in the queue is extended; SQS hands it out again) or,
after the last one, recorded as failed and put in the dead-letter queue. A subscription whose
deliveries have failed for `webhook_deactivate_after_seconds` is set INACTIVE with an activity.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from export_api.models.webhooks import (
    DeliveryAttempt,
    DeliveryOutcome,
    MessageStatus,
    Subscription,
    SubscriptionStatus,
    WebhookMessage,
)
from export_api.observability import get_logger, record_webhook_attempt
from export_api.repositories.webhook_queue import WebhookQueue
from export_api.repositories.webhooks import WebhooksRepository
from export_api.services.subscriptions import SubscriptionsService
from export_api.settings import Settings
from export_api.webhooks.destinations import DestinationRefused, Resolver, resolve_destination, system_resolver
from export_api.webhooks.outbound import AttemptResult, WebhookSender, basic_authorization
from export_api.webhooks.signing import signed_headers


class RetryLater(Exception):
    """The attempt failed and another is due after `delay_seconds`: the queue message stays."""

    def __init__(self, message_id: str, delay_seconds: int) -> None:
        super().__init__(f"webhook message {message_id}: next attempt in {delay_seconds} s")
        self.delay_seconds = delay_seconds


@dataclass(frozen=True)
class QueuedMessage:
    message_id: str
    # SQS's ApproximateReceiveCount: 1 on the first attempt of this queue message.
    receive_count: int
    receipt_handle: str


def _now() -> datetime:
    return datetime.now(UTC)


class WebhookDeliveryService:
    def __init__(
        self,
        repository: WebhooksRepository,
        queue: WebhookQueue,
        subscriptions: SubscriptionsService,
        settings: Settings,
        sender: WebhookSender | None = None,
        resolver: Resolver = system_resolver,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.repository = repository
        self.queue = queue
        self.subscriptions = subscriptions
        self.settings = settings
        self.sender = sender or WebhookSender()
        self.resolver = resolver
        self.clock = clock

    def deliver(self, queued: QueuedMessage) -> DeliveryOutcome | None:
        """Attempt the message; raises RetryLater when it must be tried again. None: nothing to send."""
        log = get_logger()
        message = self.repository.get_message(queued.message_id)
        if message is None or message.status is not MessageStatus.PENDING:
            # Unknown, or a duplicate of a message already settled (a retried publish).
            return None
        subscription = self.repository.get_subscription(message.subscription_id)
        if (
            subscription is None
            or subscription.deleted_at is not None
            or subscription.status is not SubscriptionStatus.ACTIVE
        ):
            self.repository.set_message_status(message.id, MessageStatus.DROPPED)
            log.info("webhook message dropped: subscription inactive or deleted", extra={"message_id": message.id})
            return None
        try:
            result = self._attempt(subscription, message)
        except Exception as error:
            # A message must never go round the queue unrecorded: the attempt is recorded as failed with the
            # error's type (its text may quote the subscriber's secrets), retried and deactivated as usual.
            log.exception("webhook delivery attempt failed unexpectedly", extra={"message_id": message.id})
            result = AttemptResult(None, 0, f"delivery failed: {type(error).__name__}")
        attempt_number = message.attempts + 1
        now = self.clock()
        delays = self.settings.webhook_retry_delays
        if result.succeeded:
            outcome, next_at = DeliveryOutcome.SUCCEEDED, None
        elif queued.receive_count <= len(delays):
            delay = delays[queued.receive_count - 1]
            outcome, next_at = DeliveryOutcome.RETRYING, now + timedelta(seconds=delay)
        else:
            outcome, next_at = DeliveryOutcome.FAILED, None
        self.repository.add_attempt(
            DeliveryAttempt(
                id=uuid4(),
                subscription_id=subscription.id,
                message_id=message.id,
                event_id=message.event_id,
                event_type=message.event_type,
                attempt=attempt_number,
                attempted_at=now,
                outcome=outcome,
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                error=result.error,
                next_attempt_at=next_at,
            )
        )
        record_webhook_attempt(result.succeeded)
        # No URL, header or credential in the log: the subscription id says where it went.
        log.info(
            "webhook delivery attempt",
            extra={
                "subscription_id": str(subscription.id),
                "message_id": message.id,
                "attempt": attempt_number,
                "outcome": outcome.value,
                "status_code": result.status_code,
                "latency_ms": result.latency_ms,
            },
        )
        if outcome is DeliveryOutcome.SUCCEEDED:
            self.repository.set_message_status(message.id, MessageStatus.DELIVERED, attempt_number)
            if subscription.failing_since is not None:
                self.repository.set_failing_since(subscription.id, None)
            return outcome
        self._failing(subscription, now, result)
        if outcome is DeliveryOutcome.RETRYING:
            self.repository.set_message_status(message.id, MessageStatus.PENDING, attempt_number)
            self.queue.retry_later(queued.receipt_handle, delays[queued.receive_count - 1])
            raise RetryLater(message.id, delays[queued.receive_count - 1])
        self.repository.set_message_status(message.id, MessageStatus.FAILED, attempt_number)
        self.queue.dead_letter(message.id, result.error or "delivery failed")
        log.warning("webhook message failed for good", extra={"message_id": message.id})
        return outcome

    def _attempt(self, subscription: Subscription, message: WebhookMessage) -> AttemptResult:
        try:
            destination = resolve_destination(
                subscription.endpoint_url, self.settings.webhook_local_mode, self.resolver
            )
        except DestinationRefused as refused:
            return AttemptResult(None, 0, f"refused: {refused}")
        now = self.clock()
        secrets = [subscription.secret]
        if subscription.previous_secret and (
            subscription.previous_secret_expires_at is None or subscription.previous_secret_expires_at > now
        ):
            secrets.append(subscription.previous_secret)
        headers = dict(subscription.custom_headers)
        if subscription.basic_username is not None:
            headers["Authorization"] = basic_authorization(
                subscription.basic_username, subscription.basic_password or ""
            )
        headers.update(signed_headers(message.id, now, message.payload, secrets))
        return self.sender.send(destination, message.payload, headers)

    def _failing(self, subscription: Subscription, now: datetime, result: AttemptResult) -> None:
        since = subscription.failing_since
        if since is None:
            self.repository.set_failing_since(subscription.id, now)
            since = now
        limit = self.settings.webhook_deactivate_after_seconds
        if now - since >= timedelta(seconds=limit):
            self.subscriptions.deactivate(
                subscription,
                f"Deactivated by the service: deliveries have failed since {since.isoformat()} "
                f"(last: {result.error or 'failed'}). Set status ACTIVE (PUT) to resume deliveries.",
            )
