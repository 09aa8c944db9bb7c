"""Job events out: a job's state becomes one signed-later message per subscription that wants it.

Called by the job's workflow when the job is created and after each wait it ends (the one seam every
state change passes). Each call announces every transition the job has made so far (created; started
if it has a `startedAt`; its closing event if it is closed), and only what was not announced before:
the event id and each message id are derived from the job and the event, and a message is marked
`queuedAt` once it is in the queue. So a retried or repeated step queues nothing twice, and a step
that died between storing a message and queueing it queues it on its retry.
"""

import json
import uuid
from datetime import UTC, datetime
from typing import Protocol

from export_api.models.jobs import ExportJob
from export_api.models.webhooks import MessageStatus, WebhookEventType, WebhookMessage
from export_api.observability import get_logger
from export_api.repositories.webhook_queue import WebhookQueue
from export_api.repositories.webhooks import WebhooksRepository
from export_api.versions import v3

# Names the ids of events and messages (uuid5): the same job state always gives the same ids.
EVENT_NAMESPACE = uuid.UUID("5b0c7a52-3f0e-4c1e-9a51-9f3f7f0c2d11")


def event_id(job: ExportJob, event_type: WebhookEventType) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, f"{job.id}:{event_type.value}")


def message_id(event: uuid.UUID, subscription_id: uuid.UUID) -> str:
    return f"msg_{uuid.uuid5(event, str(subscription_id)).hex}"


def event_payload(job: ExportJob, event_type: WebhookEventType) -> str:
    """`{data, eventType, eventId}`: `data` is the job exactly as GET /v3/export-jobs/{id} answers it."""
    body = {
        "data": v3.ADAPTER.jobs.job_body(job),
        "eventType": event_type.value,
        "eventId": str(event_id(job, event_type)),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def job_events(job: ExportJob) -> list[WebhookEventType]:
    """The events a job's state implies it went through, in order."""
    events = [WebhookEventType.EXPORT_JOB_CREATED]
    if job.started_at is not None:
        events.append(WebhookEventType.EXPORT_JOB_STARTED)
    if not job.status.is_open:
        events.append(WebhookEventType.for_job(job))
    return events


class JobEventPublisher(Protocol):
    def publish(self, job: ExportJob) -> int:
        """Announce the job's transitions not announced yet; returns how many messages were queued."""


class WebhookEventPublisher:
    def __init__(self, repository: WebhooksRepository, queue: WebhookQueue) -> None:
        self.repository = repository
        self.queue = queue

    def publish(self, job: ExportJob) -> int:
        subscriptions = self.repository.company_subscriptions(job.company_id)
        now = datetime.now(UTC)
        queued: list[str] = []
        for event_type in job_events(job):
            subscribers = [s for s in subscriptions if s.wants(event_type)]
            if not subscribers:
                continue
            event = event_id(job, event_type)
            payload = event_payload(job, event_type)
            for subscription in subscribers:
                stored = self.repository.add_message(
                    WebhookMessage(
                        id=message_id(event, subscription.id),
                        subscription_id=subscription.id,
                        company_id=job.company_id,
                        event_id=event,
                        event_type=event_type,
                        payload=payload,
                        created_at=now,
                    )
                )
                if stored.queued_at is None and stored.status is MessageStatus.PENDING:
                    queued.append(stored.id)
        if queued:
            self.queue.enqueue(queued)
            for queued_id in queued:
                self.repository.mark_queued(queued_id, now)
            get_logger().info("webhook events published", extra={"messages": len(queued)})
        return len(queued)
